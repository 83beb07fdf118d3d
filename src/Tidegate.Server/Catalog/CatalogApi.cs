using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Catalog;
using Tidegate.Core.Definitions;
using Tidegate.Core.Secrets;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Catalog;

internal sealed record SourceResponse(string Id, string Kind, string Location, string? Branch, string? Tag, string? SubPath, TimeSpan SyncInterval,
    bool HasCredentials, bool Configured, DateTimeOffset? LastSyncAttemptAt, DateTimeOffset? LastSyncedAt, string? LastError, string? Revision,
    int ProductCount, int VersionCount, int BrokenCount)
{
    public static SourceResponse From(CatalogSourceStatus s, bool configured) => new(s.Id, s.Definition.Kind.ToString().ToLowerInvariant(),
        s.Definition.Location, s.Definition.Branch, s.Definition.Tag, s.Definition.SubPath, s.Definition.SyncInterval, s.Definition.Credentials is not null,
        configured, s.LastSyncAttemptAt, s.LastSyncedAt, s.LastError?.Message, s.Revision, s.ProductCount, s.VersionCount, s.BrokenCount);
}

internal sealed record AddSourceRequest(string? Id, string? Kind, string? Path, string? Url, string? Branch, string? Tag, string? SubPath,
    TimeSpan? SyncInterval, string? Username, string? Password);

internal sealed record SyncResponse(string SourceId, bool Succeeded, string? Error, int VersionCount, int BrokenCount)
{
    public static SyncResponse From(SourceSyncResult r) => new(r.SourceId, r.Succeeded, r.Error?.Message, r.VersionCount, r.BrokenCount);
}

internal sealed record ProductResponse(string Key, string SourceId, string Id, string Name, string? Description, IReadOnlyList<string> StackIds);

internal sealed record StackResponse(string Id, string ProductKey, string Name, string? Description, string? LatestVersion, int VersionCount, bool HasBrokenEntries);

internal sealed record VersionResponse(string StackId, string? Version, bool Prerelease, bool Broken, string File, string? ReleaseNotesUrl,
    IReadOnlyList<string> Diagnostics);

internal sealed record VariableResponse(string Name, string Type, string? Label, string? Description, bool Required, string? Default,
    bool Secret, IReadOnlyList<VariableOption> Options, string? Group, int Order);

internal sealed record VersionDetailResponse(VersionResponse Version, IReadOnlyList<VariableResponse> Variables);

internal sealed record CatalogListFilter(string? ProductKey, int? Limit, int? Offset);

internal static class CatalogApi
{
    private static readonly TimeSpan MaxSyncInterval = TimeSpan.FromDays(30);

    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/catalog").WithTags("Catalog").RequireAuthorization(Policies.Viewer);
        read.MapGet("/sources", ListSources);
        read.MapGet("/products", ListProducts);
        read.MapGet("/stacks", ListStacks);
        read.MapGet("/stacks/{stackId}/versions", ListVersions);
        read.MapGet("/stacks/{stackId}/versions/{version}", GetVersion);

        var sync = app.MapGroup("/api/catalog").WithTags("Catalog").RequireAuthorization(Policies.Operator);
        sync.MapPost("/sync", SyncAllAsync);
        sync.MapPost("/sources/{sourceId}/sync", SyncOneAsync);

        var admin = app.MapGroup("/api/catalog/sources").WithTags("Catalog").RequireAuthorization(Policies.Admin);
        admin.MapPost("/", AddSourceAsync);
        admin.MapDelete("/{sourceId}", RemoveSourceAsync);
        return app;
    }

    private static Results<Ok<Paged<SourceResponse>>, ValidationProblem> ListSources(
        [AsParameters] PageRequest paging, StackCatalog catalog, CatalogSourceRegistry registry)
        => paging.Validate() is { Any: true } errors
            ? errors.ToProblem()
            : TypedResults.Ok(Paged<SourceResponse>.FromList(
                [.. catalog.ListSources().Select(s => SourceResponse.From(s, registry.IsConfigured(s.Id)))], paging.ToPage()));

    private static Results<Ok<Paged<ProductResponse>>, ValidationProblem> ListProducts([AsParameters] PageRequest paging, StackCatalog catalog)
        => paging.Validate() is { Any: true } errors
            ? errors.ToProblem()
            : TypedResults.Ok(Paged<ProductResponse>.FromList([.. catalog.ListProducts().Select(p =>
                new ProductResponse(p.Key, p.SourceId, p.Id, p.Name, p.Description, [.. p.Stacks.Select(s => s.Id.ToString())]))], paging.ToPage()));

    private static Results<Ok<Paged<StackResponse>>, ValidationProblem> ListStacks([AsParameters] CatalogListFilter filter, StackCatalog catalog)
    {
        var paging = new PageRequest(filter.Limit, filter.Offset);
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        var stacks = catalog.ListStacks().Where(s => filter.ProductKey is null || s.Id.ProductKey == filter.ProductKey)
            .Select(s => new StackResponse(s.Id.ToString(), s.Id.ProductKey, s.Name, s.Description, s.Latest(false)?.VersionText ?? s.Latest(true)?.VersionText,
                s.Versions.Count, s.HasBrokenEntries))
            .ToList();
        return TypedResults.Ok(Paged<StackResponse>.FromList(stacks, paging.ToPage()));
    }

    private static Results<Ok<Paged<VersionResponse>>, ValidationProblem, ProblemHttpResult> ListVersions(
        string stackId, [AsParameters] PageRequest paging, StackCatalog catalog)
    {
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        if (catalog.FindStack(stackId) is not { } stack)
        {
            return Problems.NotFound("Stack", stackId);
        }
        return TypedResults.Ok(Paged<VersionResponse>.FromList([.. stack.Versions.Concat(stack.Unversioned).Select(ToResponse)], paging.ToPage()));
    }

    private static Results<Ok<VersionDetailResponse>, ProblemHttpResult> GetVersion(string stackId, string version, StackCatalog catalog)
    {
        if (catalog.FindVersion(stackId, version) is not { } found)
        {
            return Problems.NotFound("Version", $"{stackId}@{version}");
        }
        var variables = (found.Metadata?.Variables ?? []).Select(v => new VariableResponse(v.Name, v.Type.ToString(), v.Label, v.Description, v.Required,
            v.IsSecret ? Masked.Mask(v.Default) : v.Default, v.IsSecret, v.Options, v.Group, v.Order)).ToList();
        return TypedResults.Ok(new VersionDetailResponse(ToResponse(found), variables));
    }

    private static async Task<Results<Ok<SyncResponse[]>, ProblemHttpResult>> SyncAllAsync(StackCatalog catalog, CancellationToken ct)
        => TypedResults.Ok((await catalog.SyncAllAsync(ct)).Select(SyncResponse.From).ToArray());

    private static async Task<Results<Ok<SyncResponse>, ProblemHttpResult>> SyncOneAsync(string sourceId, StackCatalog catalog, CancellationToken ct)
        => catalog.FindSource(sourceId) is null
            ? Problems.NotFound("Catalog source", sourceId)
            : TypedResults.Ok(SyncResponse.From(await catalog.SyncAsync(sourceId, ct)));

    private static async Task<Results<Created<SourceResponse>, ValidationProblem, ProblemHttpResult>> AddSourceAsync(
        AddSourceRequest request, CatalogSourceRegistry registry, StackCatalog catalog, CancellationToken ct)
    {
        var options = new CatalogSourceOptions
        {
            Id = request.Id ?? "", Kind = request.Kind ?? "", Path = request.Path, Url = request.Url, Branch = request.Branch, Tag = request.Tag,
            SubPath = request.SubPath, SyncInterval = request.SyncInterval, Username = request.Username, Password = request.Password,
        };
        var fields = new FieldErrors().Text("id", request.Id, 100).Text("path", request.Path, 4096).Text("url", request.Url, 4096).Text("branch", request.Branch, 255)
            .Text("tag", request.Tag, 255).Text("subPath", request.SubPath, 4096).Text("username", request.Username, 256);
        if (request.SyncInterval is { } interval && (interval < TimeSpan.Zero || interval > MaxSyncInterval))
        {
            fields.Add("syncInterval", $"syncInterval must be between 00:00:00 (on demand only) and {MaxSyncInterval.TotalDays} days.");
        }
        if (fields.Any)
        {
            return fields.ToProblem();
        }
        if (options.Validate() is { Count: > 0 } errors)
        {
            return Problems.Invalid(new Dictionary<string, string[]> { ["source"] = [.. errors] });
        }
        if (await registry.AddAsync(options, ct) is not { } definition)
        {
            return Problems.Conflict($"A catalog source with id '{options.Id}' already exists.");
        }
        return TypedResults.Created($"/api/catalog/sources/{definition.Id}", SourceResponse.From(catalog.FindSource(definition.Id)!, false));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveSourceAsync(string sourceId, CatalogSourceRegistry registry, CancellationToken ct)
    {
        if (registry.IsConfigured(sourceId))
        {
            return Problems.Conflict($"Source '{sourceId}' comes from the server configuration; remove it there.");
        }
        return await registry.RemoveAsync(sourceId, ct) ? TypedResults.NoContent() : Problems.NotFound("Catalog source", sourceId);
    }

    private static VersionResponse ToResponse(StackVersion v) => new(v.StackId.ToString(), v.VersionText, v.IsPrerelease, v.IsBroken,
        Path.GetFileName(v.File), v.ReleaseNotesUrl, [.. v.Diagnostics.Select(d => d.ToString())]);
}
