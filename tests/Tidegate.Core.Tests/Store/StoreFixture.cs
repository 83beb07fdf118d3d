using Microsoft.Data.Sqlite;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Store;

/// <summary>A real SQLite store in a fresh temp directory, one per test.</summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    private StoreFixture(string directory, FakeTimeProvider time, SecretProtector protector, TidegateStore store)
    {
        Directory = directory;
        Time = time;
        Protector = protector;
        Store = store;
    }

    public string Directory { get; }

    public FakeTimeProvider Time { get; }

    public SecretProtector Protector { get; }

    public TidegateStore Store { get; }

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    public static async Task<StoreFixture> CreateAsync()
    {
        var directory = NewTempDirectory();
        var time = new FakeTimeProvider();
        var protector = SecretProtector.Load(directory, _ => null);
        var store = await TidegateStore.OpenAsync(new StoreOptions(directory), protector, time, CancellationToken.None);
        return new StoreFixture(directory, time, protector, store);
    }

    /// <summary>Reads one raw column value, bypassing the repositories (to prove what is really on disk).</summary>
    public async Task<string?> RawAsync(string sql, params (string Name, object? Value)[] args)
    {
        await using var uow = await Store.Database.OpenAsync(CancellationToken.None);
        return await uow.ScalarAsync<string>(sql, CancellationToken.None, args);
    }

    public async Task<DeploymentEnvironment> AddEnvironmentAsync(string name = "local")
    {
        var result = await Store.Environments.CreateAsync(new NewEnvironment(name, "unix:///var/run/docker.sock"), CancellationToken.None);
        return result.ValueOrThrow();
    }

    public async Task<DeploymentRecord> AddDeploymentAsync(string environmentId, string name = "web", IReadOnlyCollection<VariableValue>? variables = null)
    {
        var result = await Store.Deployments.CreateAsync(
            new NewDeployment(environmentId, name, "demo:web:web", "web", "1.0.0"), variables ?? [], CancellationToken.None);
        return result.ValueOrThrow();
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; never fail a test on cleanup.
        }

        return ValueTask.CompletedTask;
    }
}
