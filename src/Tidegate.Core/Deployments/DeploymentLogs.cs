using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tidegate.Core.Engine;
using Tidegate.Core.Environments;
using Tidegate.Core.Store;
using Tidegate.Docker;
using Tidegate.Docker.Containers;

namespace Tidegate.Core.Deployments;

/// <summary>One line of a deployment's logs. <see cref="Stream"/> is "stdout" or "stderr" (a TTY container has only stdout).</summary>
internal sealed record DeploymentLogLine(string Container, string Service, string Stream, DateTimeOffset? Timestamp, string Text);

/// <summary>A container whose logs are read.</summary>
internal sealed record LogContainer(string Id, string Name, string Service);

/// <summary>Logs of a deployment's current containers (retired ones of an unfinished operation are left out), read
/// through the environment's engine with timestamps so the lines of several containers can be merged in time order.</summary>
internal sealed class DeploymentLogs(IDockerEngineFactory engines)
{
    /// <summary>The deployment's containers, of one service when <paramref name="service"/> is given, ordered by service and name.</summary>
    public async Task<IReadOnlyList<LogContainer>> ContainersAsync(DeploymentEnvironment environment, DeploymentRecord deployment, string? service,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        using var docker = engines.Open(environment);
        return await ContainersAsync(docker, deployment, service, ct);
    }

    /// <summary>The last <paramref name="tail"/> lines over all containers (optionally only lines after <paramref name="since"/>), oldest first.</summary>
    public async Task<IReadOnlyList<DeploymentLogLine>> TailAsync(DeploymentEnvironment environment, IReadOnlyList<LogContainer> containers, int tail,
        DateTimeOffset? since, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(containers);
        using var docker = engines.Open(environment);
        var lines = new List<DeploymentLogLine>();
        foreach (var c in containers)
        {
            try
            {
                await foreach (var line in docker.ContainerLogsAsync(c.Id, new ContainerLogsParameters { Tail = tail, Since = since, Timestamps = true }, ct))
                {
                    lines.Add(ToLine(c, line));
                }
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // removed since it was listed (a deploy replaced it): it has no logs any more
            }
        }
        // A stable sort: lines of one container keep their order when timestamps tie.
        return [.. lines.Select((l, i) => (l, i)).OrderBy(x => x.l.Timestamp ?? DateTimeOffset.MinValue).ThenBy(x => x.i).Select(x => x.l).TakeLast(tail)];
    }

    /// <summary>The last <paramref name="tail"/> lines of each container, then new lines as they are written, until every
    /// container stopped (its log stream ends) or <paramref name="ct"/> fires (the client went away).</summary>
    public async IAsyncEnumerable<DeploymentLogLine> FollowAsync(DeploymentEnvironment environment, IReadOnlyList<LogContainer> containers, int tail,
        [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(containers);
        using var docker = engines.Open(environment);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<DeploymentLogLine>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var readers = containers.Select(c => ReadAsync(docker, c, tail, channel.Writer, stop.Token)).ToList();
        var completion = CompleteWhenAllEndAsync(readers, channel.Writer);
        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(ct))
            {
                yield return line;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await completion;
        }
    }

    /// <summary>Splits Docker's RFC 3339 (nanosecond) timestamp prefix off a line written with <c>timestamps=true</c>.</summary>
    public static (DateTimeOffset? Timestamp, string Text) SplitTimestamp(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var token = space < 0 ? line : line[..space];
        if (token.Length < 20 || token[4] != '-' || token[10] != 'T')
        {
            return (null, line);
        }
        // .NET parses at most 7 fractional digits; Docker writes up to 9.
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < token.Length && char.IsAsciiDigit(token[end]))
            {
                end++;
            }
            if (end - dot - 1 > 7)
            {
                token = token[..(dot + 8)] + token[end..];
            }
        }
        return DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? (at.ToUniversalTime(), space < 0 ? string.Empty : line[(space + 1)..])
            : (null, line);
    }

    private static async Task<IReadOnlyList<LogContainer>> ContainersAsync(IDockerEngine docker, DeploymentRecord deployment, string? service, CancellationToken ct)
        => [.. (await new ProjectContainers(docker).ListAsync(deployment.Name, ct))
            .Where(c => !ProjectContainers.IsRetired(c))
            .Where(c => service is null || ProjectContainers.ServiceOf(c) == service)
            .Select(c => new LogContainer(c.Id, ProjectContainers.NameOf(c), ProjectContainers.ServiceOf(c)))
            .OrderBy(c => c.Service, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal)];

    private static async Task ReadAsync(IDockerEngine docker, LogContainer container, int tail, ChannelWriter<DeploymentLogLine> writer, CancellationToken ct)
    {
        try
        {
            var parameters = new ContainerLogsParameters { Follow = true, Tail = tail, Timestamps = true };
            await foreach (var line in docker.ContainerLogsAsync(container.Id, parameters, ct))
            {
                await writer.WriteAsync(ToLine(container, line), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // removed while following: its stream is over
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && ct.IsCancellationRequested)
        {
            // the connection was torn down because the reader went away
        }
    }

    private static async Task CompleteWhenAllEndAsync(List<Task> readers, ChannelWriter<DeploymentLogLine> writer)
    {
        try
        {
            await Task.WhenAll(readers);
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }

    private static DeploymentLogLine ToLine(LogContainer c, LogLine line)
    {
        var (at, text) = SplitTimestamp(line.Text);
        return new DeploymentLogLine(c.Name, c.Service, line.Stream == LogSource.Stderr ? "stderr" : "stdout", at, text);
    }
}
