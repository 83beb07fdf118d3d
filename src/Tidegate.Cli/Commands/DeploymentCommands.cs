using System.CommandLine;
using System.Text.Json;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate deploy</c>, <c>status</c>, <c>ps</c> and the lifecycle commands <c>start|stop|restart|redeploy|rm</c>.
/// Every state-changing command prints the operation it started; <c>--wait</c> follows it like <c>ops watch</c>.</summary>
internal static class DeploymentCommands
{
    public static IEnumerable<Command> Create(CliIO io)
    {
        yield return Deploy(io);
        yield return Status(io);
        yield return Ps(io);
        yield return Lifecycle(io, "start", "Start a deployment's stopped containers.", HttpMethod.Post, id => $"api/deployments/{id}/start");
        yield return Lifecycle(io, "stop", "Stop a deployment's containers (kept, not removed).", HttpMethod.Post, id => $"api/deployments/{id}/stop");
        yield return Lifecycle(io, "restart", "Stop and start a deployment's containers.", HttpMethod.Post, id => $"api/deployments/{id}/restart");
        yield return Lifecycle(io, "redeploy", "Deploy the current revision again, pulling every image.", HttpMethod.Post, id => $"api/deployments/{id}/redeploy");
        yield return Lifecycle(io, "rm", "Remove a deployment: containers, networks and its history.", HttpMethod.Delete, id => $"api/deployments/{id}", withVolumes: true);
    }

    private static Command Deploy(CliIO io)
    {
        var environment = new Argument<string>("environment") { Description = "Environment name or id (e.g. local)." };
        var stack = new Argument<string>("stack-id") { Description = "source:product:stack, optionally @VERSION (default: the latest stable version)." };
        var name = new Option<string>("--name") { Description = "Deployment name (the compose project name).", Required = true };
        var variables = VariableArguments.Create("A variable as KEY=VALUE; repeat for more.");
        var wait = Wait();
        var command = new Command("deploy", "Deploy a catalog stack into an environment.") { environment, stack, name, variables.Var, variables.VarFile, wait };
        command.SetAction(io, async (parse, ct) =>
        {
            var (stackId, version) = SplitVersion(parse.GetValue(stack)!);
            var values = variables.Read(parse, io);
            using var api = ApiClient.ForCurrentContext(io);
            var environmentId = await ResolveEnvironmentIdAsync(api, parse.GetValue(environment)!, ct);
            var started = await api.SendAsync(HttpMethod.Post, $"api/environments/{Uri.EscapeDataString(environmentId)}/deployments",
                new { name = parse.GetValue(name), stackId, version, variables = values }, ct);
            return await StartedAsync(io, parse, started, parse.GetValue(wait), ct);
        });
        return command;
    }

    /// <summary>Operators type environment names; the API addresses environments by id.</summary>
    private static async Task<string> ResolveEnvironmentIdAsync(ApiClient api, string nameOrId, CancellationToken ct)
    {
        var page = await api.GetAsync("api/environments?limit=1000", ct);
        foreach (var item in page.GetProperty("items").EnumerateArray())
        {
            if (item.GetProperty("id").GetString() == nameOrId || item.GetProperty("name").GetString() == nameOrId)
            {
                return item.GetProperty("id").GetString()!;
            }
        }
        throw new CliException(ExitCodes.NotFound, $"environment '{nameOrId}' not found (by name or id); see 'tidegate env list'.");
    }

    private static Command Status(CliIO io)
    {
        var id = new Argument<string>("deployment-id");
        var command = new Command("status", "Show a deployment: revision, mode, health and its services.") { id };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var detail = await api.GetAsync($"api/deployments/{Uri.EscapeDataString(parse.GetValue(id)!)}", ct);
            if (CliCommand.IsJson(parse))
            {
                CliCommand.Print(io, parse, detail);
                return ExitCodes.Ok;
            }
            CliCommand.Print(io, parse, detail.GetProperty("deployment"), "id", "name", "stackId", "version", "currentRevision", "mode");
            io.Out.WriteLine($"health: {detail.GetProperty("health").GetString()}");
            if (detail.GetProperty("runningOperationId").GetString() is { } running)
            {
                io.Out.WriteLine($"running operation: {running}");
            }
            io.Out.WriteLine();
            CliCommand.Print(io, parse, detail.GetProperty("services"), "name", "health");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Ps(CliIO io)
    {
        var id = new Argument<string>("deployment-id");
        var command = new Command("ps", "List a deployment's containers.") { id };
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var detail = await api.GetAsync($"api/deployments/{Uri.EscapeDataString(parse.GetValue(id)!)}", ct);
            var rows = detail.GetProperty("services").EnumerateArray()
                .SelectMany(s => s.GetProperty("containers").EnumerateArray().Select(c => new
                {
                    service = s.GetProperty("name").GetString(),
                    name = c.GetProperty("name").GetString(),
                    state = c.GetProperty("state").GetString(),
                    health = c.GetProperty("health").GetString(),
                    image = c.GetProperty("image").GetString(),
                    ports = string.Join(", ", c.GetProperty("ports").EnumerateArray().Select(p => p.GetString())),
                }))
                .ToList();
            CliCommand.Print(io, parse, JsonSerializer.SerializeToElement(rows, CliCommand.Web), "service", "name", "state", "health", "image", "ports");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Lifecycle(CliIO io, string verb, string description, HttpMethod method, Func<string, string> path, bool withVolumes = false)
    {
        var id = new Argument<string>("deployment-id");
        var wait = Wait();
        var volumes = new Option<bool>("--volumes") { Description = "Also remove the deployment's volumes." };
        var command = new Command(verb, description) { id, wait };
        if (withVolumes)
        {
            command.Options.Add(volumes);
        }
        command.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var target = path(Uri.EscapeDataString(parse.GetValue(id)!)) + (withVolumes && parse.GetValue(volumes) ? "?removeVolumes=true" : string.Empty);
            var started = await api.SendAsync(method, target, method == HttpMethod.Delete ? null : new { }, ct);
            return await StartedAsync(io, parse, started, parse.GetValue(wait), ct);
        });
        return command;
    }

    private static Option<bool> Wait() => new("--wait") { Description = "Follow the operation until it ends; exit 1 when it fails." };

    private static async Task<int> StartedAsync(CliIO io, ParseResult parse, JsonElement started, bool wait, CancellationToken ct)
    {
        var operationId = started.GetProperty("operationId").GetString()!;
        if (!wait)
        {
            CliCommand.Print(io, parse, started, "operationId", "deploymentId");
            return ExitCodes.Ok;
        }
        if (!CliCommand.IsJson(parse))
        {
            io.Out.WriteLine($"operation {operationId} (deployment {started.GetProperty("deploymentId").GetString()})");
        }
        return await OpsCommand.FollowAsync(io, parse, operationId, ct);
    }

    /// <summary>"source:product:stack@1.2.0" → (stack, "1.2.0"); no "@" → (stack, null).</summary>
    internal static (string StackId, string? Version) SplitVersion(string text)
        => text.LastIndexOf('@') is var at and > 0 ? (text[..at], text[(at + 1)..]) : (text, null);
}
