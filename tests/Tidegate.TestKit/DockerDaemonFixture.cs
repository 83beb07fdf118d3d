using System.Net.Sockets;
using Tidegate.TestKit.Images;
using Xunit;

namespace Tidegate.TestKit;

/// <summary>
/// Class fixture for integration tests: checks that the Docker engine answers (failing every test with the
/// endpoint named when it does not; never skipping) and builds the test images once per test run.
/// Use as <c>IClassFixture&lt;DockerDaemonFixture&gt;</c>; classes stay parallel.
/// </summary>
public sealed class DockerDaemonFixture : IAsyncLifetime
{
    /// <summary>The engine the tests use: DOCKER_HOST when set, else unix:///var/run/docker.sock.</summary>
    public string Endpoint { get; } = EngineEndpoint;

    /// <summary>The same endpoint for helpers that run without the fixture (proxies in front of the engine).</summary>
    public static string EngineEndpoint => Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock";

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await PingAsync(timeout.Token);
        await TestImages.EnsureBuiltAsync(timeout.Token);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task PingAsync(CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler();
        Uri address;
        if (Endpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = Endpoint["unix://".Length..];
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            address = new Uri("http://docker/_ping");
        }
        else
        {
            address = new Uri(Endpoint.Replace("tcp://", "http://", StringComparison.Ordinal).TrimEnd('/') + "/_ping");
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync(address, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new InvalidOperationException(
                $"The Docker engine at {Endpoint} does not answer /_ping ({ex.Message}). Integration tests need a running engine; start dockerd (scripts/test.sh does) or set DOCKER_HOST.",
                ex);
        }
    }
}
