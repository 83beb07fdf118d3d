using System.Text.Json;
using Tidegate.Core.Deployments;
using Tidegate.Core.Revisions;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;

namespace Tidegate.Core.Tests.Revisions;

public sealed class RevisionComparisonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private const string Digest1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Digest2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    [Fact]
    public void Compare_ReportsVersionImagesPerServiceVariablesAndTheDefinitionDiff()
    {
        var older = Revision(1, "1.0.0", """
            services:
              db:
                image: postgres:16
              web:
                image: web:1.0.0
                environment:
                  API_KEY: ••••••
            """, new() { ["web:1.0.0"] = "web@" + Digest1, ["postgres:16"] = "postgres@" + Digest1 });
        var newer = Revision(2, "2.0.0", """
            services:
              db:
                image: postgres:16
              web:
                image: web:2.0.0
                environment:
                  API_KEY: ••••••
              worker:
                image: worker:2.0.0
            """, new() { ["web:2.0.0"] = "web@" + Digest2, ["postgres:16"] = "postgres@" + Digest2, ["worker:2.0.0"] = Digest1 });

        var diff = RevisionComparison.Compare(
            older, [new("PORT", "8080", false), new("API_KEY", "old-secret", true), new("OLD", "x", false), new("SAME_SECRET", "s", true)],
            newer, [new("PORT", "8081", false), new("API_KEY", "new-secret", true), new("NEW", "y", false), new("SAME_SECRET", "s", true)]);

        Assert.Equal((1, 2, "1.0.0", "2.0.0"), (diff.From, diff.To, diff.FromVersion, diff.ToVersion));
        Assert.Equal(
        [
            new RevisionImageChange("db", "postgres:16", "postgres:16@" + Digest1, "postgres:16@" + Digest2),
            new RevisionImageChange("web", null, "web:1.0.0@" + Digest1, "web:2.0.0@" + Digest2),
            new RevisionImageChange("worker", null, null, "worker:2.0.0@" + Digest1),
        ], diff.Images);
        Assert.Equal(
        [
            new RevisionVariableChange("API_KEY", VariableChangeKind.Changed, Masked.Value, Masked.Value, true),
            new RevisionVariableChange("NEW", VariableChangeKind.Added, null, "y", false),
            new RevisionVariableChange("OLD", VariableChangeKind.Removed, "x", null, false),
            new RevisionVariableChange("PORT", VariableChangeKind.Changed, "8080", "8081", false),
        ], diff.Variables);
        Assert.Contains("--- revision 1 (1.0.0)\n+++ revision 2 (2.0.0)\n", diff.Definition, StringComparison.Ordinal);
        Assert.Contains("\n-    image: web:1.0.0\n+    image: web:2.0.0\n", diff.Definition, StringComparison.Ordinal);
        Assert.Contains("\n+  worker:\n+    image: worker:2.0.0\n", diff.Definition, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", JsonSerializer.Serialize(diff), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_OfARevisionWithItself_HasNoChanges()
    {
        var r = Revision(3, "1.0.0", "services:\n  web:\n    image: web:1.0.0\n", new() { ["web:1.0.0"] = Digest1 });
        VariableValue[] values = [new("API_KEY", "k", true)];

        var diff = RevisionComparison.Compare(r, values, r, values);

        Assert.Empty(diff.Images);
        Assert.Empty(diff.Variables);
        Assert.Equal(string.Empty, diff.Definition);
    }

    [Fact]
    public void Compare_WhenADefinitionIsNotYaml_FallsBackToTheRecordedDigestsPerImage()
    {
        var older = new Revision("d", 1, "s", "1.0.0", "{not yaml: [", [], new Dictionary<string, string> { ["web:1"] = Digest1 }, "me",
            DateTimeOffset.UnixEpoch, "deploy", RevisionOutcome.Succeeded, null);
        var newer = older with { Number = 2, ImageDigests = new Dictionary<string, string> { ["web:1"] = Digest2 } };

        var diff = RevisionComparison.Compare(older, [], newer, []);

        Assert.Equal([new RevisionImageChange(null, "web:1", "web:1@" + Digest1, "web:1@" + Digest2)], diff.Images);
    }

    [Theory]
    [InlineData("services:\n  web:\n    image: web:1\n", "services:\n  web:\n    image: web:1\n")]
    [InlineData("plain text", "plain text")]
    [InlineData("{\"file\":\"compose.yaml\",\"source\":\"x\",\"resolved\":\"services: {}\"}", "services: {}")]
    [InlineData("{broken json", "{broken json")]
    public void ResolvedText_ReadsStoredDefinitionsAndKeepsAnythingElse(string column, string expected)
        => Assert.Equal(expected, RevisionComparison.ResolvedText(column));

    private static Revision Revision(int number, string version, string resolved, Dictionary<string, string> digests) => new(
        "d", number, "demo:web:web", version,
        JsonSerializer.Serialize(new StoredDefinition("compose.yaml", "source with ${API_KEY}", resolved), Web),
        [], digests, "admin", DateTimeOffset.UnixEpoch, "deploy", RevisionOutcome.Succeeded, null);
}
