using Microsoft.AspNetCore.Http.HttpResults;
using Tidegate.Core.Revisions;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;
using Tidegate.Server.Http;

namespace Tidegate.Server.Deployments;

internal sealed record RevisionSummary(int Number, string StackId, string Version, DateTimeOffset CreatedAt, string CreatedBy, string Reason,
    string Outcome, DateTimeOffset? OutcomeAt, IReadOnlyDictionary<string, string> ImageDigests, bool Current)
{
    public static RevisionSummary From(Revision r, int? current) => new(r.Number, r.StackId, r.Version, r.CreatedAt, r.CreatedBy, r.Reason,
        r.Outcome.ToString(), r.OutcomeAt, r.ImageDigests, r.Number == current);
}

/// <summary>A revision with its resolved definition (secrets masked) and its variables (secret values masked).</summary>
internal sealed record RevisionDetail(int Number, string StackId, string Version, DateTimeOffset CreatedAt, string CreatedBy, string Reason,
    string Outcome, DateTimeOffset? OutcomeAt, IReadOnlyDictionary<string, string> ImageDigests, bool Current, string Definition,
    IReadOnlyList<VariableDto> Variables);

internal sealed record VersionChange(string From, string To);

internal sealed record ImageChangeDto(string? Image, string? Service, string? From, string? To);

internal sealed record VariableChangeDto(string Name, string Change, string? From, string? To, bool Secret);

internal sealed record RevisionDiffResponse(int From, int To, VersionChange Version, IReadOnlyList<ImageChangeDto> Images,
    IReadOnlyList<VariableChangeDto> Variables, string Definition)
{
    public static RevisionDiffResponse Of(RevisionDiff d) => new(d.From, d.To, new VersionChange(d.FromVersion, d.ToVersion),
        [.. d.Images.Select(i => new ImageChangeDto(i.Image, i.Service, i.From, i.To))],
        [.. d.Variables.Select(v => new VariableChangeDto(v.Name, v.Change.ToString().ToLowerInvariant(), v.From, v.To, v.Secret))],
        d.Definition);
}

/// <summary>The seeds' deployment_metadata entry: what ran after an operation and how its pull, deploy and health check went.</summary>
internal sealed record DeploymentMetadataResponse(string Id, DateTimeOffset Timestamp, int? Revision, string Version, IReadOnlyDictionary<string, string> Images,
    string? PullResult, string? DeployResult, string? HealthResult, string? OperationId)
{
    public static DeploymentMetadataResponse From(DeploymentMetadata m) => new(m.Id, m.At, m.Revision, m.Version, m.Images, m.PullResult, m.DeployResult,
        m.HealthResult, m.OperationId);
}

internal sealed record RevisionDiffQuery(int? From, int? To);

/// <summary>Revision history (list, detail, diff between any two revisions) and the deployment metadata written after
/// every operation. Read-only; a token scoped to the deployment may read them.</summary>
internal static class RevisionsApi
{
    public static IEndpointRouteBuilder MapRevisionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/deployments/{id}").WithTags("Revisions").RequireAuthorization(Policies.Viewer);
        group.MapGet("/revisions", ListAsync).ScopedBy(deployment: "id");
        group.MapGet("/revisions/diff", DiffAsync).ScopedBy(deployment: "id");
        group.MapGet("/revisions/{number}", GetAsync).ScopedBy(deployment: "id");
        group.MapGet("/metadata", MetadataAsync).ScopedBy(deployment: "id");
        return app;
    }

    private static async Task<Results<Ok<Paged<RevisionSummary>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string id, [AsParameters] PageRequest paging, TidegateStore store, CancellationToken ct)
    {
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return Problems.NotFound("Deployment", id);
        }
        var page = await store.Revisions.ListAsync(id, paging.ToPage(), ct);
        return TypedResults.Ok(Paged<RevisionSummary>.From(page, r => RevisionSummary.From(r, deployment.CurrentRevision)));
    }

    private static async Task<Results<Ok<RevisionDetail>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string id, string number, TidegateStore store, CancellationToken ct)
    {
        if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
        {
            return Problems.Invalid("number", "number must be a revision number (1, 2, 3 ...).");
        }
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return Problems.NotFound("Deployment", id);
        }
        if (await store.Revisions.GetAsync(id, n, ct) is not { } r)
        {
            return RevisionNotFound(id, n);
        }
        // By value as well: a revision stored before definitions were masked by value may still carry a secret in clear.
        var secrets = (await SecretSources.ForDeploymentAsync(store, deployment, ct))
            .With((await store.Revisions.GetVariablesWithSecretsAsync(id, n, ct) ?? []).Where(v => v.IsSecret).Select(v => v.Value));
        return TypedResults.Ok(new RevisionDetail(r.Number, r.StackId, r.Version, r.CreatedAt, r.CreatedBy, r.Reason, r.Outcome.ToString(), r.OutcomeAt,
            r.ImageDigests, r.Number == deployment.CurrentRevision, secrets.Mask(RevisionComparison.ResolvedText(r.Definition)),
            [.. r.Variables.Select(v => new VariableDto(v.Name, v.IsSecret ? Masked.Value : v.Value, v.IsSecret))]));
    }

    private static async Task<Results<Ok<RevisionDiffResponse>, ValidationProblem, ProblemHttpResult>> DiffAsync(
        string id, [AsParameters] RevisionDiffQuery query, TidegateStore store, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (query.From is not { } from || from < 1)
        {
            errors.Add("from", "from is required: the revision number to compare from.");
        }
        if (query.To is not { } to || to < 1)
        {
            errors.Add("to", "to is required: the revision number to compare to.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        if (await store.Deployments.GetAsync(id, ct) is not { } deployment)
        {
            return Problems.NotFound("Deployment", id);
        }
        var a = await store.Revisions.GetAsync(id, query.From!.Value, ct);
        var b = await store.Revisions.GetAsync(id, query.To!.Value, ct);
        if (a is null || b is null)
        {
            return RevisionNotFound(id, a is null ? query.From.Value : query.To.Value);
        }
        // Clear values only to tell whether a secret changed; the comparison masks them.
        var aValues = await store.Revisions.GetVariablesWithSecretsAsync(id, a.Number, ct) ?? [];
        var bValues = await store.Revisions.GetVariablesWithSecretsAsync(id, b.Number, ct) ?? [];
        var secrets = await SecretSources.ForDeploymentAsync(store, deployment, ct);
        return TypedResults.Ok(RevisionDiffResponse.Of(RevisionComparison.Compare(a, aValues, b, bValues, secrets)));
    }

    private static async Task<Results<Ok<Paged<DeploymentMetadataResponse>>, ValidationProblem, ProblemHttpResult>> MetadataAsync(
        string id, [AsParameters] PageRequest paging, TidegateStore store, CancellationToken ct)
    {
        if (paging.Validate() is { Any: true } errors)
        {
            return errors.ToProblem();
        }
        if (await store.Deployments.GetAsync(id, ct) is null)
        {
            return Problems.NotFound("Deployment", id);
        }
        return TypedResults.Ok(Paged<DeploymentMetadataResponse>.From(await store.Snapshots.ListMetadataAsync(id, paging.ToPage(), ct), DeploymentMetadataResponse.From));
    }

    private static ProblemHttpResult RevisionNotFound(string deploymentId, int number) => Problems.Of(ProblemTypes.NotFound,
        $"Revision {number} of deployment '{deploymentId}' does not exist (never created, or removed by the retention policy).");
}
