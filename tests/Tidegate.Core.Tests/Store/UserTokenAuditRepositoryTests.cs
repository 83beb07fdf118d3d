using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class UserTokenAuditRepositoryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => _f = await StoreFixture.CreateAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private async Task<UserRecord> AddUserAsync(string name = "alice", UserRole role = UserRole.Operator) =>
        (await _f.Store.Users.CreateAsync(name, "hash-of-" + name, role, Ct)).ValueOrThrow();

    [Fact]
    public async Task User_CreateGetAndCaseInsensitiveUniqueName()
    {
        var alice = await AddUserAsync("Alice");

        Assert.Equal("alice", alice.Username);
        Assert.Equal(alice, await _f.Store.Users.GetByUsernameAsync("ALICE", Ct));
        Assert.Equal(alice, await _f.Store.Users.GetAsync(alice.Id, Ct));
        Assert.Equal(new SaveResult<UserRecord>.Duplicate("username", "alice"),
            await _f.Store.Users.CreateAsync("alice", "x", UserRole.Viewer, Ct));
        Assert.DoesNotContain("hash-of-alice", alice.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_SuccessfulLogin_RecordsTheTime()
    {
        var u = await AddUserAsync();

        Assert.True(await _f.Store.Users.RecordSuccessfulLoginAsync(u.Id, Ct));

        Assert.Equal(_f.Time.GetUtcNow(), (await _f.Store.Users.GetAsync(u.Id, Ct))!.LastLoginAt);
    }

    [Fact]
    public async Task User_SecurityStamp_ChangesWithThePasswordAndOnRotation_Only()
    {
        var u = await AddUserAsync();
        await _f.Store.Users.SetRoleAsync(u.Id, UserRole.Operator, Ct);
        var afterRole = (await _f.Store.Users.GetAsync(u.Id, Ct))!.SecurityStamp;

        await _f.Store.Users.SetPasswordHashAsync(u.Id, "new-hash", Ct);
        var afterPassword = (await _f.Store.Users.GetAsync(u.Id, Ct))!.SecurityStamp;
        Assert.True(await _f.Store.Users.RotateSecurityStampAsync(u.Id, Ct));
        var afterRotation = (await _f.Store.Users.GetAsync(u.Id, Ct))!.SecurityStamp;

        Assert.Equal(u.SecurityStamp, afterRole);
        Assert.Equal(32, u.SecurityStamp.Length);
        Assert.NotEqual(afterRole, afterPassword);
        Assert.NotEqual(afterPassword, afterRotation);
        Assert.False(await _f.Store.Users.RotateSecurityStampAsync("missing", Ct));
    }

    [Fact]
    public async Task User_RoleAndPasswordChanges_AndCount()
    {
        var u = await AddUserAsync();
        await AddUserAsync("root", UserRole.Admin);

        Assert.True(await _f.Store.Users.SetRoleAsync(u.Id, UserRole.Admin, Ct));
        Assert.True(await _f.Store.Users.SetPasswordHashAsync(u.Id, "new-hash", Ct));

        Assert.Equal(2, await _f.Store.Users.CountAsync(UserRole.Admin, Ct));
        Assert.Equal("new-hash", (await _f.Store.Users.GetAsync(u.Id, Ct))!.PasswordHash);
        Assert.Equal(2, (await _f.Store.Users.ListAsync(new Page(1, 1), Ct)).Total);
    }

    [Fact]
    public async Task Token_StoredOnlyAsSha256Hash_AndAuthenticates()
    {
        var u = await AddUserAsync();
        var issued = await _f.Store.ApiTokens.IssueAsync(new NewApiToken(u.Id, "ci", ScopeDeploymentId: "dep-1"), Ct);

        Assert.StartsWith(ApiTokenRepository.TokenPrefix, issued.Token, StringComparison.Ordinal);
        Assert.Equal(issued.Token[..10], issued.Record.Prefix);
        Assert.Equal(ApiTokenRepository.Hash(issued.Token), await _f.RawAsync("SELECT token_hash FROM api_tokens"));
        Assert.Equal("0", await _f.RawAsync("SELECT CAST(COUNT(*) AS TEXT) FROM api_tokens WHERE token_hash = @t OR prefix = @t", ("@t", issued.Token)));
        Assert.DoesNotContain(issued.Token, issued.ToString(), StringComparison.Ordinal);

        _f.Time.Advance(TimeSpan.FromMinutes(1));
        var authenticated = await _f.Store.ApiTokens.AuthenticateAsync(issued.Token, null, Ct);
        Assert.Equal(issued.Record.Id, authenticated!.Id);
        Assert.Equal("dep-1", authenticated.ScopeDeploymentId);
        Assert.Equal(_f.Time.GetUtcNow(), authenticated.LastUsedAt);
        Assert.Null(await _f.Store.ApiTokens.AuthenticateAsync(issued.Token + "x", null, Ct));
    }

    [Fact]
    public async Task Token_RevokedOrExpired_DoesNotAuthenticate()
    {
        var u = await AddUserAsync();
        var revoked = await _f.Store.ApiTokens.IssueAsync(new NewApiToken(u.Id, "old"), Ct);
        var expiring = await _f.Store.ApiTokens.IssueAsync(new NewApiToken(u.Id, "short", _f.Time.GetUtcNow().AddHours(1)), Ct);

        Assert.True(await _f.Store.ApiTokens.RevokeAsync(revoked.Record.Id, Ct));
        Assert.False(await _f.Store.ApiTokens.RevokeAsync(revoked.Record.Id, Ct));
        Assert.Null(await _f.Store.ApiTokens.AuthenticateAsync(revoked.Token, null, Ct));
        Assert.NotNull(await _f.Store.ApiTokens.AuthenticateAsync(expiring.Token, null, Ct));
        _f.Time.Advance(TimeSpan.FromHours(1));
        Assert.Null(await _f.Store.ApiTokens.AuthenticateAsync(expiring.Token, null, Ct));
        Assert.False((await _f.Store.ApiTokens.GetAsync(expiring.Record.Id, Ct))!.IsActive(_f.Time.GetUtcNow()));
    }

    [Fact]
    public async Task DeletingUser_RemovesTokens_KeepsAuditEntries()
    {
        var u = await AddUserAsync();
        await _f.Store.ApiTokens.IssueAsync(new NewApiToken(u.Id, "ci"), Ct);
        await _f.Store.AuditLog.AppendAsync(new NewAuditEntry("alice", "token.create", u.Id, AuditResult.Succeeded), Ct);

        Assert.True(await _f.Store.Users.DeleteAsync(u.Id, Ct));

        Assert.Equal(0, (await _f.Store.ApiTokens.ListAsync(u.Id, Page.First(), Ct)).Total);
        Assert.Equal(1, (await _f.Store.AuditLog.QueryAsync(new AuditQuery(Actor: "alice"), Page.First(), Ct)).Total);
    }

    [Fact]
    public async Task Audit_ConcurrentAppends_AllStoredWithDistinctIncreasingIds()
    {
        var entries = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(
            () => _f.Store.AuditLog.AppendAsync(new NewAuditEntry($"user-{i}", "login", null, AuditResult.Failed), Ct))));

        Assert.Equal(40, entries.Select(e => e.Id).Distinct().Count());
        Assert.Equal(40, (await _f.Store.AuditLog.QueryAsync(new AuditQuery(Action: "login"), Page.First(), Ct)).Total);
    }

    [Fact]
    public async Task Audit_QueryFiltersByActorActionTargetAndTime_NewestFirst_Paged()
    {
        var t0 = _f.Time.GetUtcNow();
        for (var i = 0; i < 10; i++)
        {
            await _f.Store.AuditLog.AppendAsync(new NewAuditEntry(
                i % 2 == 0 ? "alice" : "bob", i < 5 ? "deployment.upgrade" : "deployment.rollback", $"dep-{i % 3}",
                AuditResult.Succeeded, "why", "127.0.0.1", """{"version":"2.0.0"}"""), Ct);
            _f.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var alice = await _f.Store.AuditLog.QueryAsync(new AuditQuery(Actor: "alice"), new Page(2, 0), Ct);
        var combined = await _f.Store.AuditLog.QueryAsync(
            new AuditQuery(Actor: "bob", Action: "deployment.rollback", From: t0.AddMinutes(6), To: t0.AddMinutes(10)), Page.First(), Ct);
        var target = await _f.Store.AuditLog.QueryAsync(new AuditQuery(Target: "dep-0"), Page.First(), Ct);

        Assert.Equal(5, alice.Total);
        Assert.Equal(2, alice.Items.Count);
        Assert.True(alice.Items[0].Id > alice.Items[1].Id);
        Assert.Equal([t0.AddMinutes(9), t0.AddMinutes(7)], combined.Items.Select(e => e.At));
        Assert.Equal(4, target.Total);
        Assert.Equal("""{"version":"2.0.0"}""", target.Items[0].Details);
    }
}
