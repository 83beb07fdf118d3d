using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Store;
using Tidegate.Server.Auth;

namespace Tidegate.Server.Tests;

/// <summary>The server over WebApplicationFactory with a real SQLite store in its own temp data directory.</summary>
public sealed class TidegateFactory : WebApplicationFactory<ServerOptions> // any type of the server assembly: its entry point is used
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));

    public int LoginPermitLimit { get; init; } = 1000;

    public int LoginFreeAttempts { get; init; } = 5;

    public string? DemoCatalog { get; private set; }

    /// <summary>Further server settings (e.g. <c>Observers:FileRoots:0</c>), applied before the first client.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Registers the repository's demo/catalog as source "demo" (call before the first client).</summary>
    public TidegateFactory WithDemoCatalog()
    {
        DemoCatalog = CatalogApiTests.DemoCatalog;
        return this;
    }

    internal TidegateStore Store => Services.GetRequiredService<TidegateStore>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("DataDirectory", DataDirectory);
        builder.UseSetting("Security:LoginPermitLimit", LoginPermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (DemoCatalog is not null)
        {
            builder.UseSetting("DemoCatalog", DemoCatalog);
        }
        builder.UseSetting("Security:LoginFreeAttempts", LoginFreeAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });

    public HttpClient WithToken(string token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort; the directory is unique per factory
        }
    }
}

/// <summary>Users, tokens, an environment and a deployment, created straight in the store.</summary>
internal sealed class Seed
{
    public const string Password = "a-long-test-password";

    public required UserRecord Admin { get; init; }
    public required UserRecord Operator { get; init; }
    public required UserRecord Viewer { get; init; }
    public required string AdminToken { get; init; }
    public required string OperatorToken { get; init; }
    public required string ViewerToken { get; init; }
    public required string ScopedToken { get; init; }
    public required DeploymentEnvironment Environment { get; init; }
    public required DeploymentRecord Deployment { get; init; }
    public required DeploymentRecord OtherDeployment { get; init; }

    public static async Task<Seed> CreateAsync(TidegateFactory factory)
    {
        factory.CreateClient().Dispose(); // starts the server, which opens the store
        return await CreateAsync(factory.Store);
    }

    public static async Task<Seed> CreateAsync(TidegateStore store)
    {
        var ct = CancellationToken.None;
        var admin = await UserAsync(store, "admin", UserRole.Admin);
        var op = await UserAsync(store, "operator", UserRole.Operator);
        var viewer = await UserAsync(store, "viewer", UserRole.Viewer);
        var env = (await store.Environments.CreateAsync(new NewEnvironment("prod", "unix:///var/run/docker.sock"), ct)).ValueOrThrow();
        // Unique names: the matrix really starts, stops and removes these projects on the shared engine.
        var unique = Guid.NewGuid().ToString("N")[..10];
        var deployment = (await store.Deployments.CreateAsync(new NewDeployment(env.Id, "web-" + unique, "demo:demo-web:web", "demo:demo-web", "1.0.0"), [], ct)).ValueOrThrow();
        var other = (await store.Deployments.CreateAsync(new NewDeployment(env.Id, "other-" + unique, "demo:demo-web:web", "demo:demo-web", "1.0.0"), [], ct)).ValueOrThrow();
        return new Seed
        {
            Admin = admin,
            Operator = op,
            Viewer = viewer,
            AdminToken = (await store.ApiTokens.IssueAsync(new NewApiToken(admin.Id, "admin-token"), ct)).Token,
            OperatorToken = (await store.ApiTokens.IssueAsync(new NewApiToken(op.Id, "operator-token"), ct)).Token,
            ViewerToken = (await store.ApiTokens.IssueAsync(new NewApiToken(viewer.Id, "viewer-token"), ct)).Token,
            ScopedToken = (await store.ApiTokens.IssueAsync(new NewApiToken(op.Id, "ci", ScopeDeploymentId: deployment.Id), ct)).Token,
            Environment = env,
            Deployment = deployment,
            OtherDeployment = other,
        };
    }

    private static async Task<UserRecord> UserAsync(TidegateStore store, string name, UserRole role)
        => (await store.Users.CreateAsync(name, PasswordPolicy.Hash(Password), role, CancellationToken.None)).ValueOrThrow();
}

internal static class HttpTestExtensions
{
    public static async Task<HttpResponseMessage> LoginAsync(this HttpClient client, string username, string password = Seed.Password)
        => await client.PostAsJsonAsync("/api/auth/login", new { username, password });

    public static async Task<System.Text.Json.JsonElement> JsonAsync(this HttpResponseMessage response)
        => await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
}

/// <summary>The server on a real loopback port (Kestrel on 127.0.0.1:0), for WebSocket, SSE and CLI tests.</summary>
public sealed class RealServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private RealServer(WebApplication app, string dataDirectory, Uri address)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Address = address;
    }

    public Uri Address { get; }

    public string DataDirectory => _dataDirectory;

    public IServiceProvider Services => _app.Services;

    internal TidegateStore Store => Services.GetRequiredService<TidegateStore>();

    public static Task<RealServer> StartAsync(params string[] extraArgs)
        => StartInAsync(Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N")), extraArgs);

    /// <summary>Starts on an existing (or new) data directory, which the server deletes when disposed.</summary>
    public static async Task<RealServer> StartInAsync(string dir, params string[] extraArgs)
    {
        var app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--DataDirectory", dir, "--Security:LoginPermitLimit", "1000", .. extraArgs]);
        await app.StartAsync();
        return new RealServer(app, dir, new Uri(app.Urls.First()));
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>Safety net for a test that failed half-way: removes its deployments' containers, found by compose project.</summary>
internal static class ProjectCleanup
{
    public static async Task RemoveAsync(RealServer server, Tidegate.Core.Store.DeploymentEnvironment environment, IEnumerable<string> projects)
    {
        using var docker = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Tidegate.Core.Environments.IDockerEngineFactory>(server.Services).Open(environment);
        foreach (var project in projects)
        {
            foreach (var container in await docker.ContainersAsync([Tidegate.Core.Engine.EngineLabels.Filter(Tidegate.Core.Engine.EngineLabels.Project, project)], default))
            {
                await docker.ContainerRemoveAsync(container.Id, default);
            }
        }
    }
}
