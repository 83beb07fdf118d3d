using Tidegate.Core.Definitions;
using System.Net;
using System.Text;
using Tidegate.Core.Catalog;
using Tidegate.TestKit;

namespace Tidegate.Core.Tests.Catalog;

/// <summary>Git sources against real git and a real local bare repository.</summary>
public sealed class GitSourceTests : IDisposable
{
    private const string Secret = "tok-5f1c9e77d2";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private StackCatalog Catalog(CatalogSourceOptions source, string? gitExecutable = null)
    {
        var options = new CatalogOptions { CacheDirectory = _temp.Combine("cache"), GitExecutable = gitExecutable ?? "git" };
        options.Sources.Add(source);
        return new StackCatalog(new StackLoader(), options, new FakeTimeProvider());
    }

    [Fact]
    public async Task BranchAndTag_AreSynced_AndANewCommitAppearsOnResync()
    {
        var (remote, work) = await Git.CreateRepository(_temp);
        File.WriteAllText(Path.Combine(work, "README.md"), "stacks\n");
        Directory.CreateDirectory(Path.Combine(work, "shop", "1.0.0"));
        File.WriteAllText(Path.Combine(work, "shop", "1.0.0", "compose.yml"), Stacks.Compose());
        await Git.CommitAll(work, "shop 1.0.0");
        await Git.Run(work, "tag", "-a", "release-1", "-m", "first release");
        await Git.Run(work, "push", "--quiet", "origin", "release-1");

        var onBranch = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = "main" });
        var onTag = Catalog(new CatalogSourceOptions { Id = "pinned", Kind = "git", Url = remote, Tag = "release-1" });
        Assert.True((await onBranch.SyncAsync("repo", CancellationToken.None)).Succeeded);
        Assert.True((await onTag.SyncAsync("pinned", CancellationToken.None)).Succeeded);
        Assert.Equal(["1.0.0"], onBranch.ListVersions("repo:shop:shop").Select(v => v.VersionText));
        Assert.Equal(["1.0.0"], onTag.ListVersions("pinned:shop:shop").Select(v => v.VersionText));
        var firstCommit = onBranch.FindSource("repo")!.Revision;
        Assert.Equal(await Git.Run(work, "rev-parse", "HEAD"), firstCommit);

        Directory.CreateDirectory(Path.Combine(work, "shop", "1.1.0"));
        File.WriteAllText(Path.Combine(work, "shop", "1.1.0", "compose.yml"), Stacks.Compose(releaseNotes: "https://example.invalid/1.1.0"));
        await Git.CommitAll(work, "shop 1.1.0");
        Assert.True((await onBranch.SyncAsync("repo", CancellationToken.None)).Succeeded);
        Assert.True((await onTag.SyncAsync("pinned", CancellationToken.None)).Succeeded);

        Assert.Equal(["1.1.0", "1.0.0"], onBranch.ListVersions("repo:shop:shop").Select(v => v.VersionText));
        Assert.NotEqual(firstCommit, onBranch.FindSource("repo")!.Revision);
        Assert.Equal(["1.0.0"], onTag.ListVersions("pinned:shop:shop").Select(v => v.VersionText));
        var newest = onBranch.GetLatest("repo:shop:shop", includePrerelease: false)!;
        Assert.True(File.Exists(newest.FullPath));
        Assert.Equal("shop/1.1.0/compose.yml", newest.File);
    }

    [Fact]
    public async Task DefaultBranch_SubPath_AndOldExportsArePruned()
    {
        var (remote, work) = await Git.CreateRepository(_temp);
        for (var minor = 0; minor < 4; minor++)
        {
            Directory.CreateDirectory(Path.Combine(work, "stacks", "tool", $"1.{minor}.0"));
            File.WriteAllText(Path.Combine(work, "stacks", "tool", $"1.{minor}.0", "compose.yml"), Stacks.Compose());
            await Git.CommitAll(work, $"tool 1.{minor}.0");
            await Git.Run(_temp.Combine("remote.git"), "symbolic-ref", "HEAD", "refs/heads/main");
        }
        var catalog = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, SubPath = "stacks" });

        Assert.True((await catalog.SyncAsync("repo", CancellationToken.None)).Succeeded);
        Assert.Equal("1.3.0", catalog.GetLatest("repo:tool", includePrerelease: false)?.VersionText);

        File.WriteAllText(Path.Combine(work, "stacks", "tool", "1.3.0", "compose.yml"), Stacks.Compose(releaseNotes: "https://example.invalid"));
        await Git.CommitAll(work, "notes");
        Assert.True((await catalog.SyncAsync("repo", CancellationToken.None)).Succeeded);
        File.WriteAllText(Path.Combine(work, "stacks", "tool", "1.3.0", "compose.yml"), Stacks.Compose(releaseNotes: "https://example.invalid/v2"));
        await Git.CommitAll(work, "notes again");
        Assert.True((await catalog.SyncAsync("repo", CancellationToken.None)).Succeeded);

        Assert.Equal("https://example.invalid/v2", catalog.GetLatest("repo:tool", includePrerelease: false)?.ReleaseNotesUrl);
        var trees = Directory.GetDirectories(_temp.Combine("cache"), "trees", SearchOption.AllDirectories).Single();
        Assert.Equal(2, Directory.GetDirectories(trees).Length);
    }

    [Theory]
    [InlineData("nope", null, "git could not fetch branch 'nope' of")]
    [InlineData(null, "v9.9.9", "git could not fetch tag 'v9.9.9' of")]
    public async Task UnknownRef_FailsWithAClearMessage_AndKeepsTheLastGoodContent(string? branch, string? tag, string message)
    {
        var (remote, work) = await Git.CreateRepository(_temp);
        Directory.CreateDirectory(Path.Combine(work, "shop", "1.0.0"));
        File.WriteAllText(Path.Combine(work, "shop", "1.0.0", "compose.yml"), Stacks.Compose());
        await Git.CommitAll(work, "shop");
        var catalog = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = "main" });
        Assert.True((await catalog.SyncAsync("repo", CancellationToken.None)).Succeeded);

        // Re-point the source at a ref that does not exist, as an operator editing it would.
        catalog.RemoveSource("repo");
        catalog.AddSource(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = branch, Tag = tag });
        var failed = await catalog.SyncAsync("repo", CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.StartsWith(message, failed.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("couldn't find remote ref", failed.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingResync_KeepsTheLastGoodGitContent()
    {
        var (remote, work) = await Git.CreateRepository(_temp);
        Directory.CreateDirectory(Path.Combine(work, "shop", "1.0.0"));
        File.WriteAllText(Path.Combine(work, "shop", "1.0.0", "compose.yml"), Stacks.Compose());
        await Git.CommitAll(work, "shop");
        var catalog = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = "main" });
        Assert.True((await catalog.SyncAsync("repo", CancellationToken.None)).Succeeded);

        Directory.Move(_temp.Combine("remote.git"), _temp.Combine("gone.git"));
        var failed = await catalog.SyncAsync("repo", CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.Contains("does not appear to be a git repository", failed.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(failed.Error, catalog.FindSource("repo")!.LastError);
        var kept = catalog.GetLatest("repo:shop:shop", includePrerelease: false);
        Assert.Equal("1.0.0", kept?.VersionText);
        Assert.True(File.Exists(kept!.FullPath));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Credentials_NeverAppearInGitArguments()
    {
        var (remote, work) = await Git.CreateRepository(_temp);
        Directory.CreateDirectory(Path.Combine(work, "shop", "1.0.0"));
        File.WriteAllText(Path.Combine(work, "shop", "1.0.0", "compose.yml"), Stacks.Compose());
        await Git.CommitAll(work, "shop");
        var log = _temp.Combine("git-calls.log");
        var shim = _temp.Write("bin/git", $"""
            #!/bin/sh
            printf 'ARGV' >> '{log}'
            for a in "$@"; do printf ' [%s]' "$a" >> '{log}'; done
            printf '\nASKPASS=%s\nHAS_SECRET_ENV=%s\n' "$GIT_ASKPASS" "${"{"}TIDEGATE_GIT_PASSWORD:+yes{"}"}" >> '{log}'
            exec git "$@"
            """);
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var catalog = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = "main", Username = "deploy", Password = Secret }, shim);

        var result = await catalog.SyncAsync("repo", CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        var calls = await File.ReadAllTextAsync(log);
        Assert.Contains("[fetch]", calls, StringComparison.Ordinal);
        Assert.Contains($"[--] [{remote}]", calls, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, calls, StringComparison.Ordinal);
        Assert.Contains("HAS_SECRET_ENV=yes", calls, StringComparison.Ordinal);
        var askPass = calls.Split('\n').First(l => l.StartsWith("ASKPASS=", StringComparison.Ordinal))["ASKPASS=".Length..];
        Assert.DoesNotContain(Secret, await File.ReadAllTextAsync(askPass), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, string.Join("\n", Directory.EnumerateFiles(_temp.Combine("cache"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith("config", StringComparison.Ordinal)).Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpRemoteAskingForAuth_GetsCredentialsFromTheAskPassHelper_AndErrorsHideTheSecret()
    {
        using var server = new BasicAuthRecorder();
        var catalog = Catalog(new CatalogSourceOptions { Id = "web", Kind = "git", Url = server.Url, Branch = "main", Username = "deploy", Password = Secret });

        var result = await catalog.SyncAsync("web", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"deploy:{Secret}"))}", server.AuthorizationHeaders);
        Assert.StartsWith("git could not fetch branch 'main' of http://127.0.0.1:", result.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task PlantedAskPassScript_IsReplaced_AndNeverRuns()
    {
        using var server = new BasicAuthRecorder();
        var cache = Directory.CreateDirectory(_temp.Combine("cache"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var marker = _temp.Combine("planted-ran");
        var planted = Path.Combine(cache, "git-askpass.sh");
        File.WriteAllText(planted, $"#!/bin/sh\ntouch '{marker}'\necho stolen\n");
        File.SetUnixFileMode(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var catalog = Catalog(new CatalogSourceOptions { Id = "web", Kind = "git", Url = server.Url, Branch = "main", Username = "deploy", Password = Secret });

        await catalog.SyncAsync("web", CancellationToken.None);

        Assert.False(File.Exists(marker));
        Assert.Contains($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"deploy:{Secret}"))}", server.AuthorizationHeaders);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(planted));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task CacheDirectoryWritableByOthers_IsRefused()
    {
        var (remote, _) = await Git.CreateRepository(_temp);
        var cache = Directory.CreateDirectory(_temp.Combine("cache")).FullName;
        File.SetUnixFileMode(cache, (UnixFileMode)Convert.ToInt32("777", 8));
        var catalog = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = "main" });

        var result = await catalog.SyncAsync("repo", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("writable by other users", result.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public async Task ConcurrentSyncsOfAGitSource_AllSucceed_AndServeTheNewestCommit()
    {
        var (remote, work) = await Git.CreateRepository(_temp);
        Directory.CreateDirectory(Path.Combine(work, "shop", "1.0.0"));
        File.WriteAllText(Path.Combine(work, "shop", "1.0.0", "compose.yml"), Stacks.Compose());
        await Git.CommitAll(work, "shop");
        var catalog = Catalog(new CatalogSourceOptions { Id = "repo", Kind = "git", Url = remote, Branch = "main" });

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => catalog.SyncAsync("repo", CancellationToken.None))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Equal(await Git.Run(work, "rev-parse", "HEAD"), catalog.FindSource("repo")!.Revision);
        Assert.Equal("1.0.0", catalog.GetLatest("repo:shop", includePrerelease: false)?.VersionText);
    }

    [Fact]
    public void Redact_RemovesSecretsAndUserInfo()
    {
        var source = new CatalogSourceDefinition
        {
            Id = "x", Kind = CatalogSourceKind.Git, Location = "https://h/r.git", Credentials = new GitCredentials("u", Secret),
        };

        var text = GitSourceFetcher.Redact(source, $"fatal: unable to access 'https://u:{Secret}@h/r.git/': token {Secret} rejected");

        Assert.Equal("fatal: unable to access 'https://***@h/r.git/': token *** rejected", text);
    }

    /// <summary>A loopback HTTP server that demands Basic auth and records what git sends.</summary>
    private sealed class BasicAuthRecorder : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<string> _headers = [];
        private readonly Task _loop;

        public BasicAuthRecorder()
        {
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/stacks.git";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public IReadOnlyList<string> AuthorizationHeaders
        {
            get
            {
                lock (_headers)
                {
                    return [.. _headers];
                }
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var header = context.Request.Headers["Authorization"];
                if (header is null)
                {
                    context.Response.StatusCode = 401;
                    context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"stacks\"");
                }
                else
                {
                    lock (_headers)
                    {
                        _headers.Add(header);
                    }
                    context.Response.StatusCode = 403;
                }
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            // Close only: after Stop(), Close() binds the freed port again to remove it (managed HttpListener on Unix),
            // which fails when another process took the port meanwhile.
            try
            {
                _listener.Close();
            }
            catch (HttpListenerException)
            {
            }

            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
