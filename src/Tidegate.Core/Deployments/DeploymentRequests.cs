using Tidegate.Core.Store;

namespace Tidegate.Core.Deployments;

/// <summary>A stack definition as text (a catalog file's content). FileName places relative paths (env files, includes).</summary>
internal sealed record StackSource(string Text, string FileName = "compose.yaml");

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
/// have <see cref="Files"/> null and read those files from disk.</summary>
internal sealed record StoredDefinition(string File, string Source, string Resolved, IReadOnlyDictionary<string, string>? Files = null)
{
    public static StoredDefinition Of(StackSource source, Definitions.ResolvedStack stack)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stack);
        var files = stack.Template.Files.Read;
        return new StoredDefinition(source.FileName, source.Text, stack.Secrets.Mask(stack.Render()), files.Count == 0 ? null : files);
    }

    /// <summary>Loads the stored source again, with include/extends/env_file from the revision's copy.</summary>
    public Definitions.StackTemplate Load(CancellationToken ct) =>
        Definitions.StackLoader.LoadText(Source, File, Files is null ? null : Definitions.StackFiles.FromCopy(Files), ct);
}
