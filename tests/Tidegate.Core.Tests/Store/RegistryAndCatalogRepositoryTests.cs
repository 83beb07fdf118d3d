using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class RegistryAndCatalogRepositoryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => _f = await StoreFixture.CreateAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task RegistryCredential_PasswordEncryptedAtRest_MaskedInList_ClearForPull()
    {
        await _f.Store.RegistryCredentials.SaveAsync(new RegistryCredential("Registry.Local:5000", "ci", "pull-password-1"), Ct);

        var raw = await _f.RawAsync("SELECT password FROM registry_credentials");
        Assert.DoesNotContain("pull-password-1", raw, StringComparison.Ordinal);

        var listed = await _f.Store.RegistryCredentials.ListAsync(Page.First(), Ct);
        Assert.Equal(Masked.Value, Assert.Single(listed.Items).Password);
        Assert.Equal("registry.local:5000", listed.Items[0].Host);

        var forPull = await _f.Store.RegistryCredentials.GetForPullAsync("registry.local:5000", Ct);
        Assert.Equal(new RegistryCredential("registry.local:5000", "ci", "pull-password-1"), forPull);
        Assert.DoesNotContain("pull-password-1", forPull!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryCredential_SaveAgain_ReplacesIt()
    {
        await _f.Store.RegistryCredentials.SaveAsync(new RegistryCredential("r.local", "a", "1"), Ct);
        await _f.Store.RegistryCredentials.SaveAsync(new RegistryCredential("r.local", "b", "2"), Ct);

        Assert.Equal(new RegistryCredential("r.local", "b", "2"), await _f.Store.RegistryCredentials.GetForPullAsync("r.local", Ct));
        Assert.Equal(1, (await _f.Store.RegistryCredentials.ListAsync(Page.First(), Ct)).Total);
        Assert.True(await _f.Store.RegistryCredentials.DeleteAsync("R.LOCAL", Ct));
        Assert.Null(await _f.Store.RegistryCredentials.GetForPullAsync("r.local", Ct));
    }

    [Fact]
    public async Task RegistryCredential_CiphertextCopiedToAnotherHost_DoesNotDecrypt()
    {
        await _f.Store.RegistryCredentials.SaveAsync(new RegistryCredential("a.local", "u", "pa"), Ct);
        await _f.Store.RegistryCredentials.SaveAsync(new RegistryCredential("b.local", "u", "pb"), Ct);
        await using (var uow = await _f.Store.Database.OpenAsync(Ct))
        {
            await uow.ExecuteAsync(
                "UPDATE registry_credentials SET password = (SELECT password FROM registry_credentials WHERE host = 'a.local') WHERE host = 'b.local'", Ct);
        }

        await Assert.ThrowsAsync<SecretDecryptionException>(() => _f.Store.RegistryCredentials.GetForPullAsync("b.local", Ct));
    }

    [Fact]
    public async Task CatalogSource_Create_Get_Duplicate()
    {
        var created = (await _f.Store.CatalogSources.CreateAsync(
            new NewCatalogSource("demo", CatalogSourceKind.Git, "https://git.local/stacks.git", "main", "stacks", TimeSpan.FromMinutes(5), "git-token-xyz"), Ct))
            .ValueOrThrow();

        Assert.Equal(CatalogSourceKind.Git, created.Kind);
        Assert.Equal(TimeSpan.FromMinutes(5), created.SyncInterval);
        Assert.True(created.HasCredentials);
        Assert.Equal("main", created.Ref);
        Assert.IsType<SaveResult<CatalogSourceRecord>.Duplicate>(
            await _f.Store.CatalogSources.CreateAsync(new NewCatalogSource("demo", CatalogSourceKind.LocalDirectory, "/x"), Ct));
    }

    [Fact]
    public async Task CatalogSource_CredentialsEncrypted_ReadOnlyExplicitly()
    {
        await _f.Store.CatalogSources.CreateAsync(
            new NewCatalogSource("demo", CatalogSourceKind.Git, "https://git.local/stacks.git", Credentials: "git-token-xyz"), Ct);

        Assert.DoesNotContain("git-token-xyz", await _f.RawAsync("SELECT credentials FROM catalog_sources"), StringComparison.Ordinal);
        Assert.Equal("git-token-xyz", await _f.Store.CatalogSources.GetCredentialsAsync("demo", Ct));
    }

    [Fact]
    public async Task CatalogSource_Update_NullCredentialsKeepThem_EmptyRemovesThem()
    {
        await _f.Store.CatalogSources.CreateAsync(new NewCatalogSource("demo", CatalogSourceKind.Git, "https://a", Credentials: "t1"), Ct);

        Assert.True(await _f.Store.CatalogSources.UpdateAsync(new NewCatalogSource("demo", CatalogSourceKind.Git, "https://b", "v2"), Ct));
        Assert.Equal("t1", await _f.Store.CatalogSources.GetCredentialsAsync("demo", Ct));
        Assert.Equal("https://b", (await _f.Store.CatalogSources.GetAsync("demo", Ct))!.Location);

        await _f.Store.CatalogSources.UpdateAsync(new NewCatalogSource("demo", CatalogSourceKind.Git, "https://b", Credentials: ""), Ct);
        Assert.Null(await _f.Store.CatalogSources.GetCredentialsAsync("demo", Ct));
    }

    [Fact]
    public async Task CatalogSource_FailedSync_KeepsLastSuccessTime()
    {
        await _f.Store.CatalogSources.CreateAsync(new NewCatalogSource("demo", CatalogSourceKind.LocalDirectory, "/srv"), Ct);
        var ok = _f.Time.GetUtcNow();
        await _f.Store.CatalogSources.RecordSyncAsync("demo", ok, null, Ct);
        var failed = ok.AddMinutes(5);

        await _f.Store.CatalogSources.RecordSyncAsync("demo", failed, "directory not found", Ct);

        var source = (await _f.Store.CatalogSources.GetAsync("demo", Ct))!;
        Assert.Equal(failed, source.LastSyncAt);
        Assert.Equal("directory not found", source.LastSyncError);
        Assert.Equal(ok, source.LastSuccessAt);
        Assert.Single((await _f.Store.CatalogSources.ListAsync(Page.First(), Ct)).Items);
        Assert.True(await _f.Store.CatalogSources.DeleteAsync("demo", Ct));
    }
}
