using System.Globalization;
using Tidegate.Docker.Containers;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

/// <summary>Per-test client, resources (label + names) and a deadline; derived classes add IClassFixture&lt;DockerDaemonFixture&gt;.</summary>
public abstract class DaemonTest : IAsyncLifetime
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));

    protected DaemonTest(DockerDaemonFixture fixture)
    {
        Fixture = fixture;
        Resources = new TestResources(GetType().Name.Replace("Tests", string.Empty, StringComparison.Ordinal));
    }

    protected DockerDaemonFixture Fixture { get; }

    protected DockerClient Client { get; } = new();

    protected TestResources Resources { get; }

    protected HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(5) };

    protected CancellationToken Ct => _deadline.Token;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        try
        {
            await Resources.DisposeAsync();
        }
        finally
        {
            Client.Dispose();
            Http.Dispose();
            _deadline.Dispose();
        }
    }

    /// <summary>Creates a container of a test image carrying the test's label, publishing 8080 on a random 127.0.0.1 port.</summary>
    protected Task<ContainerCreateResponse> CreateWebAsync(string image = TestImages.Web100, IReadOnlyList<string>? env = null, string? name = null, HostConfig? hostConfig = null) =>
        Client.ContainerCreateAsync(
            new ContainerCreateRequest
            {
                Image = image,
                Env = env,
                Labels = Resources.Labels,
                ExposedPorts = new Dictionary<string, EmptyObject> { ["8080/tcp"] = new() },
                HostConfig = hostConfig ?? new HostConfig
                {
                    PortBindings = new Dictionary<string, IReadOnlyList<PortBinding>?>
                    {
                        ["8080/tcp"] = [new PortBinding { HostIp = "127.0.0.1", HostPort = string.Empty }],
                    },
                },
            },
            name ?? Resources.Name("web"),
            Ct);

    protected async Task<string> RunWebAsync(string image = TestImages.Web100, IReadOnlyList<string>? env = null, string? name = null)
    {
        var created = await CreateWebAsync(image, env, name);
        await Client.ContainerStartAsync(created.Id, Ct);
        return created.Id;
    }

    protected async Task<Uri> WebAddressAsync(string containerId)
    {
        var inspect = await Client.ContainerInspectAsync(containerId, Ct);
        var binding = inspect.NetworkSettings!.Ports!["8080/tcp"]![0];
        Assert.Equal("127.0.0.1", binding.HostIp);
        return new Uri($"http://127.0.0.1:{int.Parse(binding.HostPort!, CultureInfo.InvariantCulture)}/");
    }

    /// <summary>Waits until the web app answers on its published port and returns the body of <paramref name="path"/>.</summary>
    protected async Task<string> WaitForHttpAsync(string containerId, string path = "version")
    {
        var address = new Uri(await WebAddressAsync(containerId), path);
        return await Wait.UntilAsync(
            async ct =>
            {
                using var response = await Http.GetAsync(address, ct);
                return response.IsSuccessStatusCode ? (await response.Content.ReadAsStringAsync(ct)).Trim() : null;
            },
            body => body is not null,
            $"{address} to answer 2xx",
            cancellationToken: Ct) ?? string.Empty;
    }

    protected async Task<T> CollectAsync<T>(IAsyncEnumerable<T> stream, Func<T, bool>? stopWhen = null)
        where T : class
    {
        T? last = null;
        await foreach (var item in stream.WithCancellation(Ct))
        {
            last = item;
            if (stopWhen?.Invoke(item) == true)
            {
                break;
            }
        }

        return last ?? throw new InvalidOperationException("The stream produced nothing.");
    }

    protected async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> stream)
    {
        var items = new List<T>();
        await foreach (var item in stream.WithCancellation(Ct))
        {
            items.Add(item);
        }

        return items;
    }
}
