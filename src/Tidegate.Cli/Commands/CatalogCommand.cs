using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate catalog sources|products|stacks|versions|sync</c>.</summary>
internal static class CatalogCommand
{
    public static Command Create(CliIO io)
    {
        var sourcesPaging = new PagingOptions();
        var sources = new Command("sources", "List catalog sources with their last sync.");
        sourcesPaging.AddTo(sources);
        sources.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            CliCommand.Print(io, parse, await api.GetAsync("api/catalog/sources" + CliCommand.Query(sourcesPaging.Query(parse)), ct),
                "id", "kind", "location", "lastSyncedAt", "versionCount", "brokenCount", "lastError");
            return ExitCodes.Ok;
        });

        var productsPaging = new PagingOptions();
        var products = new Command("products", "List products.");
        productsPaging.AddTo(products);
        products.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            CliCommand.Print(io, parse, await api.GetAsync("api/catalog/products" + CliCommand.Query(productsPaging.Query(parse)), ct), "key", "name", "stackIds");
            return ExitCodes.Ok;
        });

        var stacksPaging = new PagingOptions();
        var stacks = new Command("stacks", "List stacks with their latest version.");
        stacksPaging.AddTo(stacks);
        stacks.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            CliCommand.Print(io, parse, await api.GetAsync("api/catalog/stacks" + CliCommand.Query(stacksPaging.Query(parse)), ct), "id", "name", "latestVersion", "versionCount");
            return ExitCodes.Ok;
        });

        var stackId = new Argument<string>("stack-id") { Description = "source:product:stack" };
        var version = new Argument<string?>("version") { Description = "Show one version with its variables.", Arity = ArgumentArity.ZeroOrOne };
        var versions = new Command("versions", "List a stack's versions, or show one version's variables.") { stackId, version };
        versions.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var stack = Uri.EscapeDataString(parse.GetValue(stackId)!);
            if (parse.GetValue(version) is { } v)
            {
                var detail = await api.GetAsync($"api/catalog/stacks/{stack}/versions/{Uri.EscapeDataString(v)}", ct);
                CliCommand.Print(io, parse, CliCommand.IsJson(parse) ? detail : detail.GetProperty("variables"), "name", "type", "required", "default", "secret");
                return ExitCodes.Ok;
            }
            CliCommand.Print(io, parse, await api.GetAsync($"api/catalog/stacks/{stack}/versions?limit=1000", ct), "version", "prerelease", "broken", "releaseNotesUrl");
            return ExitCodes.Ok;
        });

        var source = new Argument<string?>("source-id") { Description = "Sync only this source.", Arity = ArgumentArity.ZeroOrOne };
        var sync = new Command("sync", "Sync all sources now (or one).") { source };
        sync.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var path = parse.GetValue(source) is { } id ? $"api/catalog/sources/{Uri.EscapeDataString(id)}/sync" : "api/catalog/sync";
            var result = await api.SendAsync(HttpMethod.Post, path, null, ct);
            CliCommand.Print(io, parse, result, "sourceId", "succeeded", "versionCount", "brokenCount", "error");
            var failed = result.ValueKind == System.Text.Json.JsonValueKind.Array
                ? result.EnumerateArray().Any(r => !r.GetProperty("succeeded").GetBoolean())
                : !result.GetProperty("succeeded").GetBoolean();
            return failed ? ExitCodes.OperationFailed : ExitCodes.Ok;
        });
        return new Command("catalog", "Browse and sync the stack catalog.") { sources, products, stacks, versions, sync };
    }
}
