namespace Tidegate.TestKit;

/// <summary>
/// A private PostgreSQL server (Debian's <c>postgresql</c> package) on a free 127.0.0.1 port with its data directory under
/// /tmp and password authentication. PostgreSQL refuses to run as root, so initdb and pg_ctl run as the <c>postgres</c> user
/// through runuser when the tests run as root. Dispose to stop it and delete the data directory.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "postgres";

    private readonly string _directory;
    private readonly string _bin;

    private PostgresServer(string directory, string bin, int port, string password)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    /// <summary>A connection string for <paramref name="database"/> (pooling off, so tests see each other's changes at once).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={database};Pooling=false;Timeout=5";

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBin();
        var directory = Path.Combine("/tmp", "tidegate-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var password = "pw-" + Guid.NewGuid().ToString("N")[..16];
        var pwfile = Path.Combine(directory, "pwfile");
        await File.WriteAllTextAsync(pwfile, password + "\n", cancellationToken);
        if (IsRoot)
        {
            await RunAsync(["chown", "-R", User + ":" + User, directory], asPostgres: false, cancellationToken);
        }

        var data = Path.Combine(directory, "data");
        try
        {
            await RunAsync([Path.Combine(bin, "initdb"), "-D", data, "-U", User, "--auth=scram-sha-256", "--pwfile=" + pwfile, "--no-sync",
                "--encoding=UTF8", "--locale=C"], asPostgres: true, cancellationToken);
            // A free port may be taken between choosing and binding; try a few.
            for (var attempt = 0; ; attempt++)
            {
                var port = FreePort.Next();
                var options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off";
                var start = Command(asPostgres: true, [Path.Combine(bin, "pg_ctl"), "-D", data, "-o", options, "-l", Path.Combine(directory, "server.log"),
                    "-w", "-t", "60", "start"]);
                var result = await ProcessRunner.RunAsync(start[0], start[1..], cancellationToken);
                if (result.ExitCode == 0)
                {
                    return new PostgresServer(directory, bin, port, password);
                }

                if (attempt >= 3)
                {
                    var log = File.Exists(Path.Combine(directory, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "server.log"), cancellationToken) : "";
                    throw new InvalidOperationException($"PostgreSQL did not start: {result.Stderr.Trim()} {result.Stdout.Trim()}\n{log}");
                }
            }
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var stop = Command(asPostgres: true, [Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
            await ProcessRunner.RunAsync(stop[0], stop[1..], timeout.Token);
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string FindBin()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("PostgreSQL is not installed: apt-get install postgresql (scripts/test.sh does).");
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string[] Command(bool asPostgres, string[] command) =>
        asPostgres && IsRoot ? ["runuser", "-u", User, "--", .. command] : command;

    private static Task<string> RunAsync(string[] command, bool asPostgres, CancellationToken ct)
    {
        var full = Command(asPostgres, command);
        return ProcessRunner.RunCheckedAsync(full[0], full[1..], ct);
    }
}

/// <summary>Class fixture: one private PostgreSQL server per test class (<c>IClassFixture&lt;PostgresFixture&gt;</c>).
/// A missing installation fails the tests; it never skips them.</summary>
public sealed class PostgresFixture : Xunit.IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("PostgreSQL is not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _server = await PostgresServer.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
