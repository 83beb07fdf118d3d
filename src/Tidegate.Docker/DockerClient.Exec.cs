using System.Runtime.CompilerServices;
using System.Text;
using Tidegate.Docker.Exec;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>POST /containers/{id}/exec.</summary>
    public Task<ExecCreateResponse> ExecCreateAsync(string containerId, ExecCreateRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<ExecCreateResponse>($"/containers/{Escape(containerId)}/exec", request, cancellationToken);

    /// <summary>POST /exec/{id}/start, attached: the output as lines until the process exits.</summary>
    public async IAsyncEnumerable<LogLine> ExecStartAsync(string execId, bool tty = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var line in StreamLinesAsync(HttpMethod.Post, $"/exec/{Escape(execId)}/start", new ExecStartRequest { Tty = tty }, multiplexed: !tty, cancellationToken))
        {
            yield return line;
        }
    }

    /// <summary>GET /exec/{id}/json.</summary>
    public Task<ExecInspectResponse> ExecInspectAsync(string execId, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ExecInspectResponse>($"/exec/{Escape(execId)}/json", cancellationToken);

    /// <summary>Runs a command in a running container and returns its exact stdout, stderr and exit code.</summary>
    public async Task<ExecResult> ExecRunAsync(string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        var exec = await ExecCreateAsync(containerId, new ExecCreateRequest { Cmd = command }, cancellationToken);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using (var response = await SendAsync(HttpMethod.Post, $"/exec/{Escape(exec.Id)}/start", JsonBody(new ExecStartRequest()), headers: null, versioned: true, streaming: true, cancellationToken))
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var (source, bytes) in MultiplexedStreamReader.ReadFramesAsync(stream, multiplexed: true, cancellationToken))
            {
                await (source == LogSource.Stderr ? stderr : stdout).WriteAsync(bytes, cancellationToken);
            }
        }

        // The stream closes when the process exits, but the exit code can trail it by a moment.
        var inspect = await ExecInspectAsync(exec.Id, cancellationToken);
        for (var attempt = 0; inspect.Running && attempt < 50; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            inspect = await ExecInspectAsync(exec.Id, cancellationToken);
        }

        return new ExecResult(Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()), inspect.ExitCode ?? -1);
    }
}
