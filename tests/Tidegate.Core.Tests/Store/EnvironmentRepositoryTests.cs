using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class EnvironmentRepositoryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => _f = await StoreFixture.CreateAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Create_ThenGet_ReturnsTheEnvironment()
    {
        var tls = new TlsMaterialRefs("/etc/ca.pem", "/etc/cert.pem", "secret:key");
        var created = (await _f.Store.Environments.CreateAsync(new NewEnvironment("prod", "tcp://prod:2376", tls), Ct)).ValueOrThrow();

        var read = await _f.Store.Environments.GetAsync(created.Id, Ct);

        Assert.Equal(created, read);
        Assert.Equal(tls, read!.Tls);
        Assert.Equal(created, await _f.Store.Environments.GetByNameAsync("prod", Ct));
    }

    [Fact]
    public async Task Create_DuplicateName_ReturnsDuplicate()
    {
        await _f.AddEnvironmentAsync("prod");

        var result = await _f.Store.Environments.CreateAsync(new NewEnvironment("prod", "unix:///other.sock"), Ct);

        Assert.Equal(new SaveResult<DeploymentEnvironment>.Duplicate("name", "prod"), result);
    }

    [Fact]
    public async Task Default_IsUnique_AndMovesWithSetDefault()
    {
        var a = (await _f.Store.Environments.CreateAsync(new NewEnvironment("a", "unix:///a", IsDefault: true), Ct)).ValueOrThrow();
        var b = (await _f.Store.Environments.CreateAsync(new NewEnvironment("b", "unix:///b", IsDefault: true), Ct)).ValueOrThrow();

        Assert.Equal(b.Id, (await _f.Store.Environments.GetDefaultAsync(Ct))!.Id);
        Assert.True(await _f.Store.Environments.SetDefaultAsync(a.Id, Ct));
        Assert.Equal(a.Id, (await _f.Store.Environments.GetDefaultAsync(Ct))!.Id);
        Assert.False((await _f.Store.Environments.GetAsync(b.Id, Ct))!.IsDefault);
        Assert.False(await _f.Store.Environments.SetDefaultAsync("missing", Ct));
        Assert.Equal(a.Id, (await _f.Store.Environments.GetDefaultAsync(Ct))!.Id);
    }

    [Fact]
    public async Task UpdateEndpoint_ChangesEndpointAndTls()
    {
        var env = await _f.AddEnvironmentAsync();
        _f.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.True(await _f.Store.Environments.UpdateEndpointAsync(env.Id, "ssh://deploy@host", null, Ct));

        var read = (await _f.Store.Environments.GetAsync(env.Id, Ct))!;
        Assert.Equal("ssh://deploy@host", read.DockerEndpoint);
        Assert.True(read.UpdatedAt > read.CreatedAt);
        Assert.False(await _f.Store.Environments.UpdateEndpointAsync("missing", "x", null, Ct));
    }

    [Fact]
    public async Task Delete_WhileDeploymentsUseIt_IsRefused()
    {
        var env = await _f.AddEnvironmentAsync();
        await _f.AddDeploymentAsync(env.Id);

        Assert.Equal(DeleteResult.InUse, await _f.Store.Environments.DeleteAsync(env.Id, Ct));
        Assert.NotNull(await _f.Store.Environments.GetAsync(env.Id, Ct));
    }

    [Fact]
    public async Task Delete_RemovesItsVariables()
    {
        var env = await _f.AddEnvironmentAsync();
        await _f.Store.Environments.SetVariablesAsync(env.Id, [new VariableValue("A", "1", false)], Ct);

        Assert.Equal(DeleteResult.Deleted, await _f.Store.Environments.DeleteAsync(env.Id, Ct));
        Assert.Equal(DeleteResult.NotFound, await _f.Store.Environments.DeleteAsync(env.Id, Ct));
        Assert.Equal("0", await _f.RawAsync("SELECT CAST(COUNT(*) AS TEXT) FROM environment_variables"));
    }

    [Fact]
    public async Task Variables_SecretsAreEncryptedAtRest_MaskedInLists_ClearOnlyOnExplicitRead()
    {
        var env = await _f.AddEnvironmentAsync();
        await _f.Store.Environments.SetVariablesAsync(env.Id,
            [new VariableValue("DB_PASSWORD", "s3cr3t-value", true), new VariableValue("DOMAIN", "example.test", false)], Ct);

        var raw = await _f.RawAsync("SELECT value FROM environment_variables WHERE name = 'DB_PASSWORD'");
        Assert.DoesNotContain("s3cr3t-value", raw, StringComparison.Ordinal);
        Assert.True(SecretProtector.IsProtected(raw));

        var listed = await _f.Store.Environments.ListVariablesAsync(env.Id, Ct);
        Assert.Equal([new VariableValue("DB_PASSWORD", Masked.Value, true), new VariableValue("DOMAIN", "example.test", false)], listed);

        var revealed = await _f.Store.Environments.GetVariablesWithSecretsAsync(env.Id, Ct);
        Assert.Equal("s3cr3t-value", revealed.Single(v => v.Name == "DB_PASSWORD").Value);
    }

    [Fact]
    public async Task Variables_SetAgain_ReplacesTheWholeSet()
    {
        var env = await _f.AddEnvironmentAsync();
        await _f.Store.Environments.SetVariablesAsync(env.Id, [new VariableValue("A", "1", false), new VariableValue("B", "2", false)], Ct);

        await _f.Store.Environments.SetVariablesAsync(env.Id, [new VariableValue("B", "3", false)], Ct);

        Assert.Equal([new VariableValue("B", "3", false)], await _f.Store.Environments.ListVariablesAsync(env.Id, Ct));
    }

    [Fact]
    public async Task SecretCiphertext_MovedToAnotherEnvironment_DoesNotDecrypt()
    {
        var a = await _f.AddEnvironmentAsync("a");
        var b = await _f.AddEnvironmentAsync("b");
        await _f.Store.Environments.SetVariablesAsync(a.Id, [new VariableValue("TOKEN", "a-secret", true)], Ct);
        await _f.Store.Environments.SetVariablesAsync(b.Id, [new VariableValue("TOKEN", "b-secret", true)], Ct);
        var stolen = await _f.RawAsync("SELECT value FROM environment_variables WHERE environment_id = @id", ("@id", a.Id));
        await using (var uow = await _f.Store.Database.OpenAsync(Ct))
        {
            await uow.ExecuteAsync("UPDATE environment_variables SET value = @v WHERE environment_id = @id", Ct, ("@v", stolen), ("@id", b.Id));
        }

        await Assert.ThrowsAsync<SecretDecryptionException>(() => _f.Store.Environments.GetVariablesWithSecretsAsync(b.Id, Ct));
    }

    [Fact]
    public async Task List_PagesInNameOrder()
    {
        for (var i = 0; i < 25; i++)
        {
            await _f.AddEnvironmentAsync($"env-{i:D2}");
        }

        var first = await _f.Store.Environments.ListAsync(new Page(10, 0), Ct);
        var last = await _f.Store.Environments.ListAsync(new Page(10, 20), Ct);

        Assert.Equal(25, first.Total);
        Assert.Equal(10, first.Items.Count);
        Assert.True(first.HasMore);
        Assert.Equal("env-00", first.Items[0].Name);
        Assert.Equal(["env-20", "env-21", "env-22", "env-23", "env-24"], last.Items.Select(e => e.Name));
        Assert.False(last.HasMore);
    }
}
