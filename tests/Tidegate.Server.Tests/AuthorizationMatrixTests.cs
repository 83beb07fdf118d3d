using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Store;
using Tidegate.Server.Audit;

namespace Tidegate.Server.Tests;

/// <summary>Every endpoint of the running app × {anonymous, viewer, operator, admin, scoped token}. The
/// expectation comes from <see cref="Table"/>; an endpoint missing from it fails the test, so a new endpoint
/// cannot ship without a declared access level.</summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private enum Access
    {
        Anonymous,
        Viewer,
        Operator,
        Admin,
    }

    /// <summary>Minimum role per "METHOD pattern", and whether a token scoped to the route's deployment may call it.</summary>
    private static readonly Dictionary<string, (Access Access, bool Scoped)> Table = new(StringComparer.Ordinal)
    {
        ["GET /healthz"] = (Access.Anonymous, true),
        ["GET /readyz"] = (Access.Anonymous, true),
        ["GET /openapi/{documentName}.json"] = (Access.Viewer, false),
        ["POST /api/auth/login"] = (Access.Anonymous, true),
        ["POST /api/auth/token"] = (Access.Anonymous, true),
        ["POST /api/auth/logout"] = (Access.Viewer, true),
        ["POST /api/auth/logout-all"] = (Access.Viewer, false),
        ["GET /api/auth/me"] = (Access.Viewer, true),
        ["GET /api/auth/antiforgery"] = (Access.Viewer, false),
        ["GET /api/users/"] = (Access.Admin, false),
        ["GET /api/users/{userId}"] = (Access.Admin, false),
        ["POST /api/users/"] = (Access.Admin, false),
        ["PUT /api/users/{userId}/role"] = (Access.Admin, false),
        ["PUT /api/users/{userId}/password"] = (Access.Admin, false),
        ["DELETE /api/users/{userId}"] = (Access.Admin, false),
        ["DELETE /api/users/{userId}/sessions"] = (Access.Admin, false),
        ["GET /api/tokens/"] = (Access.Viewer, false),
        ["POST /api/tokens/"] = (Access.Viewer, false),
        ["DELETE /api/tokens/{tokenId}"] = (Access.Viewer, false),
        ["GET /api/audit/"] = (Access.Admin, false),
        ["GET /api/audit/export"] = (Access.Admin, false),
        ["GET /api/catalog/sources"] = (Access.Viewer, false),
        ["GET /api/catalog/products"] = (Access.Viewer, false),
        ["GET /api/catalog/stacks"] = (Access.Viewer, false),
        ["GET /api/catalog/stacks/{stackId}/versions"] = (Access.Viewer, false),
        ["GET /api/catalog/stacks/{stackId}/versions/{version}"] = (Access.Viewer, false),
        ["POST /api/catalog/sync"] = (Access.Operator, false),
        ["POST /api/catalog/sources/{sourceId}/sync"] = (Access.Operator, false),
        ["POST /api/catalog/sources/"] = (Access.Admin, false),
        ["DELETE /api/catalog/sources/{sourceId}"] = (Access.Admin, false),
        ["GET /api/environments/"] = (Access.Viewer, false),
        ["GET /api/environments/{environmentId}"] = (Access.Viewer, false),
        ["GET /api/environments/{environmentId}/variables"] = (Access.Viewer, false),
        ["POST /api/environments/{environmentId}/test"] = (Access.Operator, false),
        ["POST /api/environments/"] = (Access.Admin, false),
        ["PUT /api/environments/{environmentId}"] = (Access.Admin, false),
        ["DELETE /api/environments/{environmentId}"] = (Access.Admin, false),
        ["PUT /api/environments/{environmentId}/variables"] = (Access.Admin, false),
        ["GET /api/registries/"] = (Access.Admin, false),
        ["PUT /api/registries/{host}"] = (Access.Admin, false),
        ["DELETE /api/registries/{host}"] = (Access.Admin, false),
        ["GET /api/environments/{environmentId}/deployments/{deploymentId}/upgrade/check"] = (Access.Viewer, true),
        ["GET /api/environments/{environmentId}/deployments/{deploymentId}/rollback"] = (Access.Viewer, true),
        ["POST /api/environments/{environmentId}/deployments/{deploymentId}/upgrade"] = (Access.Operator, true),
        ["POST /api/environments/{environmentId}/deployments/{deploymentId}/rollback"] = (Access.Operator, true),
        ["GET /api/deployments/"] = (Access.Viewer, false),
        ["GET /api/deployments/{id}"] = (Access.Viewer, true),
        ["POST /api/environments/{environmentId}/deployments/"] = (Access.Operator, false),
        ["POST /api/deployments/{id}/start"] = (Access.Operator, true),
        ["POST /api/deployments/{id}/stop"] = (Access.Operator, true),
        ["POST /api/deployments/{id}/restart"] = (Access.Operator, true),
        ["POST /api/deployments/{id}/redeploy"] = (Access.Operator, true),
        ["DELETE /api/deployments/{id}/"] = (Access.Operator, true),
        ["PUT /api/deployments/{id}/operation-mode"] = (Access.Operator, true),
        ["GET /api/deployments/{id}/operation-mode/history"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/events"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/observer"] = (Access.Viewer, true),
        ["PUT /api/deployments/{id}/observer"] = (Access.Operator, true),
        ["DELETE /api/deployments/{id}/observer"] = (Access.Operator, true),
        ["GET /api/edge/"] = (Access.Viewer, false),
        ["GET /api/deployments/{id}/rollout/"] = (Access.Viewer, true),
        ["POST /api/deployments/{id}/rollout/promote"] = (Access.Operator, true),
        ["POST /api/deployments/{id}/rollout/abort"] = (Access.Operator, true),
        ["GET /api/operations/"] = (Access.Viewer, false),
        ["GET /api/operations/{operationId}"] = (Access.Viewer, true),
        ["GET /api/operations/{operationId}/events"] = (Access.Viewer, true),
        ["POST /api/operations/{operationId}/cancel"] = (Access.Operator, true),
        ["GET /api/deployments/{id}/revisions"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/revisions/diff"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/revisions/{number}"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/metadata"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/logs/"] = (Access.Viewer, true),
        ["GET /api/deployments/{id}/logs/follow"] = (Access.Viewer, true),
        ["POST /api/hooks/deploy"] = (Access.Operator, true),
        // SignalR maps its endpoints for any method; the matrix calls them with POST.
        ["ANY /hubs/deployment/negotiate"] = (Access.Viewer, false),
        ["ANY /hubs/deployment"] = (Access.Viewer, false),
    };

    private readonly TidegateFactory _factory = new();
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        _seed = await Seed.CreateAsync(_factory);
        // The matrix checks access, not behaviour: with the deployment locked, every allowed lifecycle call is a 409
        // and nothing reaches the shared Docker engine or removes the deployment the later rows use.
        var holder = await _factory.Store.Operations.CreateAsync(new NewOperation(_seed.Deployment.Id, _seed.Deployment.Name, OperationKind.Deploy, "matrix"), default);
        await _factory.Store.Locks.AcquireAsync(_seed.Deployment.Id, holder.Id, "matrix", TimeSpan.FromHours(1), default);
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EveryEndpoint_AnswersEachCallerAsItsDeclaredPolicySays()
    {
        var endpoints = Endpoints();
        var undeclared = endpoints.Select(e => e.Key).Where(k => !Table.ContainsKey(k)).ToList();
        Assert.True(undeclared.Count == 0, "Endpoints without a declared access level in the matrix table: " + string.Join(", ", undeclared));
        Assert.Empty(Table.Keys.Except(endpoints.Select(e => e.Key)));

        var callers = new (string Name, string? Token, Access Role, bool Scoped)[]
        {
            ("anonymous", null, Access.Anonymous, false),
            ("viewer", _seed.ViewerToken, Access.Viewer, false),
            ("operator", _seed.OperatorToken, Access.Operator, false),
            ("admin", _seed.AdminToken, Access.Admin, false),
            ("scoped", _seed.ScopedToken, Access.Operator, true),
        };
        var failures = new List<string>();
        foreach (var (key, method, path) in endpoints)
        {
            var (required, scopedAllowed) = Table[key];
            foreach (var caller in callers)
            {
                using var client = caller.Token is null ? _factory.Anonymous() : _factory.WithToken(caller.Token);
                using var request = new HttpRequestMessage(new HttpMethod(method == "ANY" ? "POST" : method), path);
                if (method is "POST" or "PUT" or "PATCH" or "ANY")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                var expected = Expect(required, scopedAllowed, caller.Role, caller.Token is null, caller.Scoped);
                var ok = expected switch
                {
                    401 => status == 401,
                    403 => status == 403,
                    _ => status is not (401 or 403) and < 500 || status == 501,
                };
                if (!ok)
                {
                    failures.Add($"{key} as {caller.Name}: expected {(expected == 0 ? "allowed" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture))}, got {status}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        // Every state-changing /api request above left an audit entry (allowed ones and denied ones).
        var audit = _factory.Services.GetRequiredService<TidegateStore>().AuditLog;
        foreach (var (key, method, _) in endpoints.Where(e => e.Method is not ("GET" or "ANY") && e.Path.StartsWith("/api", StringComparison.Ordinal)))
        {
            var action = ActionOf(key);
            var entries = await audit.QueryAsync(new AuditQuery(Action: action), new Page(100, 0), default);
            Assert.True(entries.Total >= callers.Length, $"{key}: expected an audit entry per caller ({callers.Length}), found {entries.Total} for action '{action}'");
            Assert.Contains(entries.Items, e => e.Result == AuditResult.Denied || Table[key].Access == Access.Anonymous);
        }
    }

    private static int Expect(Access required, bool scopedAllowed, Access role, bool anonymous, bool scoped)
    {
        if (required == Access.Anonymous)
        {
            return 0;
        }
        if (anonymous)
        {
            return 401;
        }
        if (scoped && !scopedAllowed)
        {
            return 403;
        }
        return role >= required ? 0 : 403;
    }

    private string ActionOf(string key)
    {
        var named = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => Key(e).Contains(key))
            .Select(e => e.Metadata.GetMetadata<AuditActionMetadata>()?.Action)
            .FirstOrDefault(a => a is not null);
        return named ?? key;
    }

    private List<(string Key, string Method, string Path)> Endpoints()
        => [.. _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => Key(e).Select(k => (k, k.Split(' ')[0], Fill(e.RoutePattern.RawText!))))
            .Distinct()
            .OrderBy(e => e.Item1, StringComparer.Ordinal)];

    private static IEnumerable<string> Key(RouteEndpoint e)
        => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} {e.RoutePattern.RawText}");

    private string Fill(string pattern) => pattern
        .Replace("{environmentId}", _seed.Environment.Id, StringComparison.Ordinal)
        .Replace("{deploymentId}", _seed.Deployment.Id, StringComparison.Ordinal)
        .Replace("{id}", _seed.Deployment.Id, StringComparison.Ordinal)
        .Replace("{documentName}", "v1", StringComparison.Ordinal)
        .Replace("{stackId}", "demo:none:none", StringComparison.Ordinal)
        .Replace("{version}", "1.0.0", StringComparison.Ordinal)
        .Replace("{host}", "registry.example.com", StringComparison.Ordinal)
        .Replace("{userId}", "missing", StringComparison.Ordinal)
        .Replace("{tokenId}", "missing", StringComparison.Ordinal)
        .Replace("{sourceId}", "missing", StringComparison.Ordinal)
        .Replace("{operationId}", "missing", StringComparison.Ordinal)
        .Replace("{number}", "1", StringComparison.Ordinal);
}
