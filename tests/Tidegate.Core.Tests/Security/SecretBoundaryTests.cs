using System.Text;
using Tidegate.Core.Store;
using Tidegate.Core.Tests.Store;

namespace Tidegate.Core.Tests.Security;

/// <summary>The secret boundary inside the store: what the database file holds after secrets were replaced or deleted.</summary>
public sealed class SecretBoundaryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => _f = await StoreFixture.CreateAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task ReplacedAndDeletedSecrets_DoNotLingerInTheDatabaseFile()
    {
        var env = await _f.AddEnvironmentAsync();
        var clear = "clear-" + Guid.NewGuid().ToString("N");
        await _f.Store.Environments.SetVariablesAsync(env.Id,
            [new VariableValue("PLAIN", clear, false), new VariableValue("PASSWORD", "s3cret-" + Guid.NewGuid().ToString("N"), true)], Ct);
        var ciphertext = (await _f.RawAsync("SELECT value FROM environment_variables WHERE name = 'PASSWORD'"))!;
        await CheckpointAsync();
        Assert.True(Contains(File.ReadAllBytes(_f.Store.Database.DatabasePath), ciphertext), "the test needs the first value on disk");

        await _f.Store.Environments.SetVariablesAsync(env.Id,
            [new VariableValue("PLAIN", "other-" + Guid.NewGuid().ToString("N"), false), new VariableValue("PASSWORD", "new-" + Guid.NewGuid().ToString("N"), true)], Ct);
        await CheckpointAsync();

        var bytes = await ReadStoreFilesAsync();
        Assert.False(Contains(bytes, clear), "a replaced clear value is still in the database file");
        Assert.False(Contains(bytes, ciphertext), "a replaced secret's ciphertext is still in the database file");

        var deletedCiphertext = (await _f.RawAsync("SELECT value FROM environment_variables WHERE name = 'PASSWORD'"))!;
        Assert.Equal(DeleteResult.Deleted, await _f.Store.Environments.DeleteAsync(env.Id, Ct));
        await CheckpointAsync();

        Assert.False(Contains(await ReadStoreFilesAsync(), deletedCiphertext), "a deleted secret's ciphertext is still in the database file");
    }

    [Fact]
    public async Task EveryConnection_HasSecureDeleteOn()
    {
        await using var uow = await _f.Store.Database.OpenAsync(Ct);

        Assert.Equal(1L, await uow.ScalarAsync<long>("PRAGMA secure_delete", Ct));
    }

    private async Task CheckpointAsync()
    {
        await using var uow = await _f.Store.Database.OpenAsync(Ct);
        await uow.ScalarAsync<long>("PRAGMA wal_checkpoint(TRUNCATE)", Ct);
    }

    private async Task<byte[]> ReadStoreFilesAsync()
    {
        var path = _f.Store.Database.DatabasePath;
        var all = new List<byte>(await ReadSharedAsync(path));
        if (File.Exists(path + "-wal"))
        {
            all.AddRange(await ReadSharedAsync(path + "-wal"));
        }

        return [.. all];
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}
