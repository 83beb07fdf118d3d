using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Store;

public sealed class RevisionRepositoryTests : IAsyncLifetime
{
    private StoreFixture _f = null!;
    private DeploymentRecord _d = null!;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _f = await StoreFixture.CreateAsync();
        _d = await _f.AddDeploymentAsync((await _f.AddEnvironmentAsync()).Id);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    internal static NewRevision NewRevisionFor(string deploymentId, string version = "1.0.0", IReadOnlyList<VariableValue>? variables = null) => new(
        deploymentId, "demo:web:web", version, "services:\n  web:\n    image: web:" + version,
        variables ?? [new VariableValue("PORT", "8080", false)],
        new Dictionary<string, string> { ["web:" + version] = "sha256:" + new string('a', 64) },
        "admin", "deploy");

    [Fact]
    public async Task Add_NumbersRevisionsPerDeployment_StartingAtOne()
    {
        var other = await _f.AddDeploymentAsync(_d.EnvironmentId, "other");

        var r1 = await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct);
        var r2 = await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id, "2.0.0"), Ct);
        var o1 = await _f.Store.Revisions.AddAsync(NewRevisionFor(other.Id), Ct);

        Assert.Equal((1, 2, 1), (r1.Number, r2.Number, o1.Number));
        Assert.Equal(RevisionOutcome.Pending, r2.Outcome);
        var read = (await _f.Store.Revisions.GetAsync(_d.Id, 2, Ct))!;
        Assert.Equal((r2.Version, r2.Definition, r2.CreatedAt, r2.CreatedBy, r2.Reason), (read.Version, read.Definition, read.CreatedAt, read.CreatedBy, read.Reason));
        Assert.Equal(r2.Variables, read.Variables);
        Assert.Equal(r2.ImageDigests, read.ImageDigests);
    }

    [Fact]
    public async Task Add_Concurrently_GivesDistinctConsecutiveNumbers()
    {
        var revisions = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(_ => Task.Run(() => _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct))));

        Assert.Equal(Enumerable.Range(1, 12), revisions.Select(r => r.Number).Order());
    }

    [Fact]
    public async Task Outcome_IsSetOnce()
    {
        await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct);

        Assert.True(await _f.Store.Revisions.SetOutcomeAsync(_d.Id, 1, RevisionOutcome.Succeeded, Ct));
        var ex = await Assert.ThrowsAsync<RevisionOutcomeAlreadySetException>(
            () => _f.Store.Revisions.SetOutcomeAsync(_d.Id, 1, RevisionOutcome.Failed, Ct));

        Assert.Contains("Succeeded", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RevisionOutcome.Succeeded, (await _f.Store.Revisions.GetAsync(_d.Id, 1, Ct))!.Outcome);
        Assert.False(await _f.Store.Revisions.SetOutcomeAsync(_d.Id, 99, RevisionOutcome.Failed, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _f.Store.Revisions.SetOutcomeAsync(_d.Id, 1, RevisionOutcome.Pending, Ct));
    }

    [Theory]
    [InlineData("UPDATE revisions SET definition = 'tampered'")]
    [InlineData("UPDATE revisions SET variables = '[]'")]
    [InlineData("UPDATE revisions SET number = 7")]
    [InlineData("UPDATE revisions SET outcome = 'Failed'")]
    public async Task Database_RefusesChangesToASettledRevision_EvenBypassingTheRepository(string sql)
    {
        await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct);
        await _f.Store.Revisions.SetOutcomeAsync(_d.Id, 1, RevisionOutcome.Succeeded, Ct);
        await using var uow = await _f.Store.Database.OpenAsync(Ct);

        var ex = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => uow.ExecuteAsync(sql, Ct));

        Assert.Contains("immutable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_RefusesChangesToAPendingRevisionsContent()
    {
        await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct);
        await using var uow = await _f.Store.Database.OpenAsync(Ct);

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(
            () => uow.ExecuteAsync("UPDATE revisions SET image_digests = '{}'", Ct));
    }

    [Fact]
    public async Task SecretVariables_AreEncryptedInTheStoredJson_AndMaskedOnRead()
    {
        var vars = new[] { new VariableValue("DB_PASSWORD", "rev-secret-42", true), new VariableValue("PORT", "8080", false) };
        var added = await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id, variables: vars), Ct);

        var raw = await _f.RawAsync("SELECT variables FROM revisions");
        Assert.DoesNotContain("rev-secret-42", raw, StringComparison.Ordinal);
        Assert.Contains("tg1:", raw, StringComparison.Ordinal);
        Assert.Equal(Masked.Value, added.Variables.Single(v => v.IsSecret).Value);
        Assert.Equal(Masked.Value, (await _f.Store.Revisions.GetAsync(_d.Id, 1, Ct))!.Variables.Single(v => v.IsSecret).Value);
        Assert.Equal(vars, await _f.Store.Revisions.GetVariablesWithSecretsAsync(_d.Id, 1, Ct));
    }

    [Fact]
    public async Task Retention_KeepsNewestN_PlusCurrentAndLastSuccessful()
    {
        for (var i = 1; i <= 15; i++)
        {
            await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id, $"1.0.{i}"), Ct);
        }

        // Revision 2 last succeeded; 3 is what currently runs (a failed attempt left running).
        await _f.Store.Deployments.SetRunningRevisionAsync(_d.Id, "demo:web:web", "web", "1.0.2", 2, succeeded: true, Ct);
        await _f.Store.Deployments.SetRunningRevisionAsync(_d.Id, "demo:web:web", "web", "1.0.3", 3, succeeded: false, Ct);

        var deleted = await _f.Store.Revisions.ApplyRetentionAsync(_d.Id, RevisionRepository.DefaultRetention, Ct);

        Assert.Equal([1, 4, 5], deleted);
        var remaining = (await _f.Store.Revisions.ListAsync(_d.Id, Page.First(), Ct)).Items.Select(r => r.Number);
        Assert.Equal([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 3, 2], remaining);
        Assert.Empty(await _f.Store.Revisions.ApplyRetentionAsync(_d.Id, RevisionRepository.DefaultRetention, Ct));
    }

    [Fact]
    public async Task Retention_WithKeepOne_StillNeverDeletesCurrentOrLastSuccessful()
    {
        for (var i = 1; i <= 4; i++)
        {
            await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct);
        }

        await _f.Store.Deployments.SetRunningRevisionAsync(_d.Id, "s", "p", "1.0.0", 1, succeeded: true, Ct);

        Assert.Equal([2, 3], await _f.Store.Revisions.ApplyRetentionAsync(_d.Id, 1, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _f.Store.Revisions.ApplyRetentionAsync(_d.Id, 0, Ct));
    }

    [Fact]
    public async Task List_PagesNewestFirst()
    {
        for (var i = 1; i <= 5; i++)
        {
            await _f.Store.Revisions.AddAsync(NewRevisionFor(_d.Id), Ct);
        }

        var page = await _f.Store.Revisions.ListAsync(_d.Id, new Page(2, 2), Ct);

        Assert.Equal([3, 2], page.Items.Select(r => r.Number));
        Assert.Equal(5, page.Total);
        Assert.True(page.HasMore);
    }
}
