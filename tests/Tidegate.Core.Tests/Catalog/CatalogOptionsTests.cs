using Tidegate.Core.Definitions;
using Tidegate.Core.Catalog;

namespace Tidegate.Core.Tests.Catalog;

public sealed class CatalogOptionsTests
{
    [Theory]
    [InlineData("local", "directory", "/srv/stacks", null, null, null, null, null)]
    [InlineData("gh", "git", null, "https://git.example.invalid/stacks.git", "main", null, null, null)]
    [InlineData("gh", "git", null, "https://git.example.invalid/stacks.git", null, "v1.0.0", "00:05:00", null)]
    [InlineData("gh", "git", null, "git@git.example.invalid:org/stacks.git", null, null, "00:00:00", null)]
    [InlineData("", "directory", "/srv", null, null, null, null, "Id '' is not valid")]
    [InlineData("My Source", "directory", "/srv", null, null, null, null, "Id 'My Source' is not valid")]
    [InlineData("a:b", "directory", "/srv", null, null, null, null, "Id 'a:b' is not valid")]
    [InlineData("x", "ftp", "/srv", null, null, null, null, "Kind 'ftp' is unknown: use 'directory' or 'git'.")]
    [InlineData("x", "directory", null, null, null, null, null, "Path is required for a directory source.")]
    [InlineData("x", "directory", "/srv", "https://h/r.git", null, null, null, "apply only to git sources")]
    [InlineData("x", "git", null, null, null, null, null, "Url is required for a git source.")]
    [InlineData("x", "git", null, "https://u:secret@h/r.git", null, null, null, "Url must not contain credentials")]
    [InlineData("x", "git", null, "https://ghp_T0KEN@h/r.git", null, null, null, "Url must not contain credentials (a user name or token); set Username and Password instead.")]
    [InlineData("x", "git", null, "http://ghp_T0KEN@h/r.git", null, null, null, "set Username and Password instead")]
    [InlineData("x", "git", null, "ssh://git:pw@h/r.git", null, null, null, "Url must not contain credentials (a password)")]
    [InlineData("x", "git", null, "ssh://git@h/r.git", null, null, null, null)]
    [InlineData("x", "git", null, "file:///srv/stacks.git", null, null, null, null)]
    [InlineData("x", "git", null, "/srv/stacks.git", null, null, null, null)]
    [InlineData("x", "git", null, "ext::sh -c touch% /tmp/pwned", null, null, null, "Url must be an https, http, ssh or file URL")]
    [InlineData("x", "git", null, "--upload-pack=touch /tmp/pwned", null, null, null, "Url must not start with '-'.")]
    [InlineData("x", "git", null, "ftp://h/r.git", null, null, null, "Url scheme 'ftp' is not supported")]
    [InlineData("x", "git", null, "stacks", null, null, null, "Url must be an https, http, ssh or file URL")]
    [InlineData("x", "git", null, "https://h/r.git", "main", "v1", null, "Set Branch or Tag, not both.")]
    [InlineData("x", "git", null, "https://h/r.git", "--upload-pack=evil", null, null, "is not a valid git ref name")]
    [InlineData("x", "git", null, "https://h/r.git", "a..b", null, null, "is not a valid git ref name")]
    [InlineData("x", "git", null, "https://h/r.git", null, null, "00:00:01", "SyncInterval must be 0 (on demand only) or at least")]
    [InlineData("x", "git", null, "https://h/r.git", null, null, "-00:01:00", "SyncInterval must be 0 (on demand only) or at least")]
    public void SourceEntries_AreValidatedWithClearMessages(string id, string kind, string? path, string? url, string? branch, string? tag, string? interval, string? expectedError)
    {
        var options = new CatalogOptions { CacheDirectory = "/tmp/cache" };
        options.Sources.Add(new CatalogSourceOptions
        {
            Id = id, Kind = kind, Path = path, Url = url, Branch = branch, Tag = tag,
            SyncInterval = interval is null ? null : TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture),
        });

        var errors = options.Validate();

        if (expectedError is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Contains(expectedError, StringComparison.Ordinal) && e.StartsWith("Catalog:Sources:0", StringComparison.Ordinal));
            Assert.DoesNotContain(errors, e => e.Contains("T0KEN", StringComparison.Ordinal) || e.Contains("pw@", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void CredentialsMustComeInPairs_AndNeverShowInMessages()
    {
        var source = new CatalogSourceOptions { Id = "x", Kind = "git", Url = "https://h/r.git", Password = "s3cret-token" };

        var errors = source.Validate();

        Assert.Contains("Username and Password must be set together.", errors);
        Assert.DoesNotContain(errors, e => e.Contains("s3cret-token", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cret-token", new GitCredentials("u", "s3cret-token").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateIds_BadGlobalDurations_AndMissingCacheDirectory_AreReported()
    {
        var options = new CatalogOptions { DefaultSyncInterval = TimeSpan.FromSeconds(1), SyncCheckPeriod = TimeSpan.Zero, GitTimeout = TimeSpan.Zero };
        options.Sources.Add(new CatalogSourceOptions { Id = "a", Kind = "git", Url = "https://h/r.git" });
        options.Sources.Add(new CatalogSourceOptions { Id = "a", Kind = "directory", Path = "/srv" });

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Catalog:DefaultSyncInterval must be at least", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Catalog:SyncCheckPeriod must be positive", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Catalog:GitTimeout must be positive", StringComparison.Ordinal));
        Assert.Contains("Catalog:CacheDirectory is required when a git source is configured.", errors);
        Assert.Contains("Catalog:Sources:1 ('a'): the id 'a' is used by another source.", errors);
        var thrown = Assert.Throws<CatalogConfigurationException>(() => new StackCatalog(new StackLoader(), options, TimeProvider.System));
        Assert.Equal(errors, thrown.Errors);
    }

    [Fact]
    public void Definitions_TakeTheDefaultInterval_WhenASourceSetsNone()
    {
        var options = new CatalogOptions { DefaultSyncInterval = TimeSpan.FromMinutes(7) };
        options.Sources.Add(new CatalogSourceOptions { Id = "a", Kind = "directory", Path = "relative/stacks" });
        options.Sources.Add(new CatalogSourceOptions { Id = "b", Kind = "directory", Path = "/srv", SyncInterval = TimeSpan.Zero });

        var definitions = options.ToDefinitions();

        Assert.Equal(TimeSpan.FromMinutes(7), definitions[0].SyncInterval);
        Assert.True(Path.IsPathRooted(definitions[0].Location));
        Assert.Equal(TimeSpan.Zero, definitions[1].SyncInterval);
    }
}
