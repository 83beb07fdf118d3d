using System.Globalization;
using Tidegate.Core.Definitions;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Variables;
using Tidegate.Core.Definitions.Yaml;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Engine;

internal enum HookFailurePolicy
{
    Abort,
    Retry,
    Ignore,
}

/// <summary>A lifecycle hook: a one-off container made from a service of the stack (its image, environment, volumes and
/// networks, like <c>docker compose run</c>) or from an image, running <see cref="Command"/>.</summary>
internal sealed record HookSpec(
    string Name, string? Service, string? Image, IReadOnlyList<string> Command, HookFailurePolicy Policy, int Retries, TimeSpan Timeout,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>The hooks of a stack: <c>x-tidegate.hooks.pre|mid|post</c> (recreate: before the old version stops, while nothing
/// of it runs, after the new one is healthy) and <c>x-tidegate.backup|restore</c> (before an upgrade; on a rollback).</summary>
internal sealed record StackHooks(
    IReadOnlyList<HookSpec> Pre, IReadOnlyList<HookSpec> Mid, IReadOnlyList<HookSpec> Post, HookSpec? Backup, HookSpec? Restore)
{
    public static readonly StackHooks None = new([], [], [], null, null);

    /// <summary>Reads the hooks of a resolved stack; errors name the x-tidegate path and line.</summary>
    public static (StackHooks Hooks, IReadOnlyList<string> Errors) From(ResolvedStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var diagnostics = new List<Diagnostic>();
        var ctx = new ParseContext(diagnostics, stack.Template.File);
        var services = stack.Project?.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var hooks = stack.Extension.Section("hooks") is { } h && ctx.Map(h, "x-tidegate.hooks") is { } map ? map : null;
        if (hooks is not null)
        {
            foreach (var entry in hooks.Entries.Where(e => e.Key.Value is not ("pre" or "mid" or "post")))
            {
                ctx.Error(entry.Key, "x-tidegate.hooks." + entry.Key.Value, "unknown hook; use pre, mid or post");
            }
        }

        HookSpec? Read(YNode? node, string name, string path) => node is null ? null : Parse(node, name, path, ctx, services);
        // A hook point holds one hook or a list of them, run in order.
        IReadOnlyList<HookSpec> ReadAll(string point) => hooks?[point] switch
        {
            null => [],
            YSeq seq => [.. seq.Items.Select((n, i) => Read(n, point, YNodeExtensions.Index("x-tidegate.hooks." + point, i))).OfType<HookSpec>()],
            var one => Read(one, point, "x-tidegate.hooks." + point) is { } h ? [h] : [],
        };
        var result = new StackHooks(ReadAll("pre"), ReadAll("mid"), ReadAll("post"),
            Read(stack.Extension.Section("backup"), "backup", "x-tidegate.backup"),
            Read(stack.Extension.Section("restore"), "restore", "x-tidegate.restore"));
        return (result, [.. diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())]);
    }

    private static HookSpec? Parse(YNode node, string name, string path, ParseContext ctx, HashSet<string> services)
    {
        if (ctx.Map(node, path) is not { } map)
        {
            return null;
        }

        string? service = null, image = null;
        List<string> command = [];
        var policy = HookFailurePolicy.Abort;
        int? retries = null;
        var timeout = TimeSpan.FromMinutes(5);
        IReadOnlyDictionary<string, string> environment = new Dictionary<string, string>();
        var hookName = name;
        foreach (var e in map.Entries)
        {
            var p = YNodeExtensions.Join(path, e.Key.Value);
            switch (e.Key.Value)
            {
                case "service":
                    service = ctx.Str(e.Value, p);
                    if (service is not null && !services.Contains(service))
                    {
                        ctx.Error(e.Value, p, $"service '{service}' is not defined in this stack");
                    }
                    break;
                case "image": image = ctx.Str(e.Value, p); break;
                case "name": hookName = ctx.Str(e.Value, p) ?? name; break;
                case "description": break;
                case "command":
                    // A string runs in a shell, as in compose's healthcheck CMD-SHELL.
                    command = e.Value is YScalar s ? ["/bin/sh", "-c", s.Value] : ctx.Strings(e.Value, p);
                    break;
                case "failurePolicy" or "failure_policy":
                    var text = ctx.Str(e.Value, p);
                    if (!Enum.TryParse(text, ignoreCase: true, out policy) || int.TryParse(text, out _))
                    {
                        ctx.Error(e.Value, p, $"'{text}' is not a failure policy; use abort, retry or ignore");
                    }
                    break;
                case "retries": retries = ctx.Int(e.Value, p, 0, 20); break;
                case "timeout": timeout = ctx.Duration(e.Value, p) ?? timeout; break;
                case "environment": environment = ctx.StringDictionary(e.Value, p); break;
                default: ctx.Error(e.Key, p, "unknown hook setting; use name, description, service, image, command, failurePolicy, retries, timeout or environment"); break;
            }
        }

        if ((service is null) == (image is null))
        {
            ctx.Error(node, path, "a hook needs exactly one of service (a one-off container of that service) or image");
        }
        if (command.Count == 0)
        {
            ctx.Error(node, path, "a hook needs a command");
        }

        return new HookSpec(hookName, service, image, command, policy, retries ?? (policy == HookFailurePolicy.Retry ? 2 : 0), timeout, environment);
    }
}

/// <summary>What a hook did: exit code, attempts, the tail of its log; Ignored when it failed under policy ignore.</summary>
internal sealed record HookOutcome(string Name, int ExitCode, int Attempts, IReadOnlyList<string> Log, bool Ignored)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} hook: exit {ExitCode} after {Attempts} attempt(s){(Ignored ? " (failure ignored)" : "")}");
}

/// <summary>Runs hooks as one-off containers labelled like compose's <c>run</c> containers (oneoff=True) plus
/// <see cref="HookLabel"/>, so they are never mistaken for the deployment's own containers. Their log tail is journaled.</summary>
internal sealed class HookRunner(IDockerEngine docker, EngineOptions options, TimeProvider time)
{
    public const string HookLabel = "tidegate.hook";

    private readonly ContainerWaits _waits = new(docker, options, time);

    /// <summary>Runs the hook; on failure retries or ignores as its policy says, else throws <see cref="DeploymentFailedException"/>.</summary>
    public async Task<HookOutcome> RunAsync(OperationJournal j, DeploymentPlan plan, HookSpec hook, int percent,
        IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var attempts = hook.Policy == HookFailurePolicy.Retry ? hook.Retries + 1 : 1;
        HookOutcome outcome = null!;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            await j.ProgressAsync("hook", $"{hook.Name} hook: running {string.Join(' ', hook.Command)} (attempt {attempt} of {attempts})", percent);
            var a = attempt;
            outcome = await j.StepAsync("hook", new { hook = hook.Name, attempt }, ct => RunOnceAsync(plan, hook, a, extraEnvironment, ct));
            await j.StepAsync("hook-log", new { hook = hook.Name, attempt, exitCode = outcome.ExitCode, log = outcome.Log }, _ => Task.CompletedTask);
            await j.ProgressAsync("hook", outcome.ToString(), percent);
            if (outcome.Succeeded)
            {
                return outcome;
            }
        }

        if (hook.Policy == HookFailurePolicy.Ignore)
        {
            return outcome with { Ignored = true };
        }

        throw new DeploymentFailedException($"The {hook.Name} hook failed with exit code {outcome.ExitCode} after {outcome.Attempts} attempt(s): " +
                                            string.Join(" | ", outcome.Log.TakeLast(5)));
    }

    private async Task<HookOutcome> RunOnceAsync(DeploymentPlan plan, HookSpec hook, int attempt, IReadOnlyDictionary<string, string>? extra, CancellationToken ct)
    {
        var template = hook.Service is { } service ? plan.Service(service).Containers[0].Create : null;
        var network = plan.Services.SelectMany(s => s.Containers).FirstOrDefault()?.Create;
        var labels = new Dictionary<string, string>((template ?? network)?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [EngineLabels.OneOff] = "True",
            [HookLabel] = hook.Name,
            [EngineLabels.Service] = hook.Service ?? hook.Name + "-hook",
        };
        var own = new Dictionary<string, string>(hook.Environment, StringComparer.Ordinal)
        {
            ["TIDEGATE_HOOK"] = hook.Name,
            ["TIDEGATE_DEPLOYMENT"] = plan.Project,
            ["TIDEGATE_REVISION"] = plan.Revision.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            own[key] = value;
        }
        var environment = (template?.Env ?? []).Where(e => !own.ContainsKey(e.Split('=')[0])).Concat(own.Select(e => $"{e.Key}={e.Value}")).ToList();
        var baseHost = template?.HostConfig ?? new HostConfig { NetworkMode = network?.HostConfig?.NetworkMode };
        var request = (template ?? new ContainerCreateRequest { NetworkingConfig = network?.NetworkingConfig }) with
        {
            Image = hook.Image ?? template!.Image,
            Entrypoint = hook.Command,
            Cmd = null,
            Env = environment,
            Labels = labels,
            ExposedPorts = null,
            Healthcheck = new HealthConfig { Test = ["NONE"] },
            HostConfig = baseHost with { PortBindings = null, RestartPolicy = new Docker.Containers.RestartPolicy { Name = "no" }, AutoRemove = false },
        };
        var name = $"{plan.Project}-{hook.Name}-hook-r{plan.Revision.ToString(CultureInfo.InvariantCulture)}-{attempt.ToString(CultureInfo.InvariantCulture)}";
        await docker.ContainerRemoveAsync(name, ct);
        var id = await docker.ContainerCreateAsync(request, name, ct);
        try
        {
            await docker.ContainerStartAsync(id, ct);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(hook.Timeout);
            var exitCode = 0;
            try
            {
                await _waits.WaitCompletedAsync(hook.Name + " hook", id, limit.Token);
            }
            catch (DeploymentFailedException)
            {
                exitCode = (await docker.ContainerInspectAsync(id, ct))?.State?.ExitCode is { } code and not 0 ? code : -1;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                exitCode = -1;
            }

            var log = await docker.LogTailAsync(id, 100, ct);
            return new HookOutcome(hook.Name, exitCode, attempt, exitCode == -1 && log.Count == 0 ? ["did not finish (timeout or not started)"] : log, false);
        }
        finally
        {
            await docker.ContainerRemoveAsync(id, CancellationToken.None);
        }
    }
}
