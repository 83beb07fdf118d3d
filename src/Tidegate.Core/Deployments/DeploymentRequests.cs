using Tidegate.Core.Store;

namespace Tidegate.Core.Deployments;

/// <summary>A stack definition as text (a catalog file's content). FileName places relative paths (env files, includes);
/// every path the stack names must stay below Root (a catalog stack: its source's root; default: FileName's directory).</summary>
internal sealed record StackSource(string Text, string FileName = "compose.yaml", string? Root = null)
{
    public Definitions.StackTemplate Load(CancellationToken ct) =>
        Definitions.StackLoader.LoadText(Text, FileName, Root is null ? null : Definitions.StackFiles.Disk(Root), ct);
}

/// <summary>Deploy a stack version into an environment under a deployment name (= compose project name).
/// A new deployment is created; an existing one gets a new revision.</summary>
internal sealed record DeployRequest(
    string EnvironmentId, string DeploymentName, string StackId, string ProductId, string Version, StackSource Source,
    IReadOnlyList<VariableValue> Variables, string RequestedBy, string? Reason = null, string? SessionId = null);

/// <summary>Who asks and why, for the operations that need no definition.</summary>
internal sealed record OperationRequest(string RequestedBy, string? Reason = null, string? SessionId = null);

/// <summary>The typed answer of every state-changing call.</summary>
internal abstract record OperationStartResult
{
    private OperationStartResult()
    {
    }

    internal sealed record Started(string OperationId, string DeploymentId) : OperationStartResult;

    /// <summary>Another operation holds the deployment's lock (the API's 409 names it).</summary>
    internal sealed record Refused(string RunningOperationId) : OperationStartResult;

    /// <summary>The request cannot run as given (invalid name, invalid stack, missing variables); nothing changed.</summary>
    internal sealed record Rejected(string Reason, IReadOnlyList<string> Errors) : OperationStartResult;

    internal sealed record NotFound(string What) : OperationStartResult;

    /// <summary>Field errors keyed by field (for variables: the variable's name); nothing changed (the API's 400).</summary>
    internal sealed record Invalid(string Reason, IReadOnlyDictionary<string, string[]> Errors) : OperationStartResult;

    /// <summary>The deployment's state does not allow the operation (not running, wrong operation mode); the API's 409.</summary>
    internal sealed record NotAllowed(string Reason) : OperationStartResult;
}

/// <summary>What a revision's definition column holds: the source to resolve again (redeploy, rollback), the resolved
/// definition with secrets masked (for display and diffs: by name where the stack or a secret variable names them, and
/// by value wherever else a secret value ended up), and a copy of every other file the stack read (include,
/// extends, env_file; full path → text) so it resolves the same way later. Revisions written before the copy existed
/// have <see cref="Files"/> null and read those files from disk. Root is the directory every named file had to stay
/// below when the revision ran; the same rule holds for the copy (revisions without it: the stack file's directory).</summary>
internal sealed record StoredDefinition(string File, string Source, string Resolved, IReadOnlyDictionary<string, string>? Files = null, string? Root = null)
{
    public static StoredDefinition Of(StackSource source, Definitions.ResolvedStack stack)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stack);
        var files = stack.Template.Files.Read;
        return new StoredDefinition(source.FileName, source.Text, stack.Secrets.Mask(stack.Render()), files.Count == 0 ? null : files, stack.Template.Files.Root);
    }

    /// <summary>Loads the stored source again, with include/extends/env_file from the revision's copy.</summary>
    public Definitions.StackTemplate Load(CancellationToken ct)
    {
        var root = Root ?? Definitions.StackFiles.DirectoryOf(File);
        return Definitions.StackLoader.LoadText(Source, File, Files is null ? Definitions.StackFiles.Disk(root) : Definitions.StackFiles.FromCopy(Files, root), ct);
    }
}
