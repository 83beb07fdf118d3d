using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Tidegate.Core.Edge;

/// <summary>An answer of the Runtime API that reports a failure ("No such server.", "Unknown command" ...).</summary>
internal sealed class EdgeCommandException(string command, string answer)
    : Exception($"HAProxy refused '{command}': {answer.Trim()}")
{
    public string Answer => answer;
}

/// <summary>One row of <c>show stat</c> for a server, frontend or backend.</summary>
internal sealed record EdgeStatRow(
    string Proxy, string Name, string Status, int Weight, long CurrentSessions, long TotalSessions, long Requests,
    long Http5xx, long ConnectionErrors, long ResponseErrors, long Retries, long Redispatches, long ResponseTimeMs, long ResponseTimeMaxMs,
    string Address)
{
    public bool IsServer => Name is not ("FRONTEND" or "BACKEND");

    /// <summary>What a canary gate counts as a failed request: 5xx answers, failed connects and broken responses, and the
    /// attempts HAProxy retried or redispatched elsewhere (retry-on all-retryable-errors retries a 500 on another server, so
    /// a failing canary's answers often never reach a client and show only as retries).</summary>
    public long Errors => Http5xx + ConnectionErrors + ResponseErrors + Retries + Redispatches;
}

/// <summary>The HAProxy Runtime API (the admin-level stats socket) in non-interactive mode: one connection per
/// command line, the answer is everything until HAProxy closes. Several commands separated by ';' run in one
/// go, which is how traffic is switched in one step.</summary>
internal sealed class HaproxyRuntime(string socketPath)
{
    public string SocketPath => socketPath;

    public async Task<string> SendAsync(string command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Any(char.IsControl))
        {
            throw new ArgumentException("one command line only", nameof(command));
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), ct);
        await stream.FlushAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    public async Task<bool> IsAliveAsync(CancellationToken ct)
    {
        try
        {
            return (await SendAsync("show info", ct)).Contains("Pid:", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async Task<int?> PidAsync(CancellationToken ct)
    {
        var info = await SendAsync("show info", ct);
        foreach (var line in info.Split('\n'))
        {
            if (line.StartsWith("Pid:", StringComparison.Ordinal)
                && int.TryParse(line[4..].Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>Runs commands that answer nothing (or a known success text) on success; anything else is a refusal.</summary>
    /// <remarks>Each command must be one command: a ';' would start another and a line break would end the connection's
    /// input, so a command carrying either (or any control character) is refused before anything is sent.</remarks>
    public async Task RunAsync(CancellationToken ct, params string[] commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        foreach (var command in commands)
        {
            if (command.Contains(';', StringComparison.Ordinal) || command.Any(char.IsControl))
            {
                throw new EdgeNameException($"The edge refuses the Runtime API command {EdgeNames.Printable(command)}: it would not be one command.");
            }
        }

        var line = string.Join("; ", commands);
        var answer = (await SendAsync(line, ct)).Trim();
        foreach (var part in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IsSuccess(part))
            {
                throw new EdgeCommandException(line, answer);
            }
        }
    }

    private static bool IsSuccess(string line) =>
        line.StartsWith("New server registered", StringComparison.Ordinal)
        || line.StartsWith("Server deleted", StringComparison.Ordinal)
        || line.StartsWith("Done.", StringComparison.Ordinal)
        || line.StartsWith("Health check", StringComparison.Ordinal)
        || line.StartsWith("Server is already", StringComparison.Ordinal);

    public async Task<IReadOnlyList<EdgeStatRow>> StatAsync(CancellationToken ct)
    {
        var csv = await SendAsync("show stat", ct);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("# ", StringComparison.Ordinal))
        {
            throw new EdgeCommandException("show stat", csv);
        }

        var header = lines[0][2..].Split(',');
        var index = header.Select((h, i) => (h, i)).Where(x => x.h.Length > 0).GroupBy(x => x.h).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var rows = new List<EdgeStatRow>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            string S(string name) => index.TryGetValue(name, out var i) && i < f.Length ? f[i] : string.Empty;
            long L(string name) => long.TryParse(S(name), CultureInfo.InvariantCulture, out var v) ? v : 0;
            var requests = L("req_tot");
            rows.Add(new EdgeStatRow(S("pxname"), S("svname"), S("status"), (int)L("weight"), L("scur"), L("stot"),
                requests > 0 ? requests : L("stot"), L("hrsp_5xx"), L("econ"), L("eresp"), L("wretr"), L("wredis"), L("rtime"), L("rtime_max"),
                S("addr")));
        }

        return rows;
    }
}
