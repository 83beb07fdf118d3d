using System.Collections.Concurrent;

namespace Tidegate.TestKit;

/// <summary>
/// What one test owns on the shared daemon: a unique label and unique names. Put <see cref="Labels"/> on every
/// container, network, volume and built image the test creates; disposing removes everything carrying the
/// label (plus images registered with <see cref="TrackImage"/>), and nothing else.
/// </summary>
public sealed class TestResources : IAsyncDisposable
{
    public const string LabelKey = "tidegate.test";

    private readonly ConcurrentBag<string> _images = [];

    public TestResources(string? scope = null)
    {
        Id = Guid.NewGuid().ToString("N")[..12];
        Prefix = "tgt-" + (scope is null ? string.Empty : Sanitize(scope) + "-") + Id;
    }

    /// <summary>The unique value of the <see cref="LabelKey"/> label.</summary>
    public string Id { get; }

    /// <summary>Prefix of every name from <see cref="Name"/>.</summary>
    public string Prefix { get; }

    /// <summary>"tidegate.test=&lt;id&gt;", the form engine label filters take.</summary>
    public string LabelFilter => $"{LabelKey}={Id}";

    public IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string> { [LabelKey] = Id };

    /// <summary>A name unique to this test, e.g. "tgt-logs-1a2b3c4d5e6f-web".</summary>
    public string Name(string suffix) => $"{Prefix}-{Sanitize(suffix)}";

    /// <summary>An image reference (e.g. a tag the test creates) to remove on dispose.</summary>
    public string TrackImage(string reference)
    {
        _images.Add(reference);
        return reference;
    }

    /// <summary>Removes everything carrying the label. Every kind is attempted even when an earlier one
    /// fails (a leftover container must not leave the volumes behind too); failures are thrown together.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var ct = timeout.Token;
        var filter = "label=" + LabelFilter;
        var errors = new List<Exception>();

        async Task Step(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }

        await Step(async () =>
        {
            var containers = await DockerCli.LinesAsync(["ps", "-aq", "--filter", filter], ct);
            if (containers.Count > 0)
            {
                await DockerCli.TryRunAsync(["rm", "-f", "-v", .. containers], ct);
            }
        });
        await Step(async () =>
        {
            var networks = await DockerCli.LinesAsync(["network", "ls", "-q", "--filter", filter], ct);
            if (networks.Count > 0)
            {
                await DockerCli.TryRunAsync(["network", "rm", .. networks], ct);
            }
        });
        await Step(async () =>
        {
            var volumes = await DockerCli.LinesAsync(["volume", "ls", "-q", "--filter", filter], ct);
            if (volumes.Count > 0)
            {
                await DockerCli.TryRunAsync(["volume", "rm", "-f", .. volumes], ct);
            }
        });
        var images = new List<string>(_images);
        await Step(async () => images.InsertRange(0, (await DockerCli.LinesAsync(["images", "-q", "--filter", filter], ct)).Distinct()));
        foreach (var image in images)
        {
            await Step(() => DockerCli.TryRunAsync(["rmi", "-f", image], ct));
        }

        if (errors.Count > 0)
        {
            throw new AggregateException($"cleaning up test resources {LabelFilter} failed", errors);
        }
    }

    private static string Sanitize(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        return new string(chars).Trim('-');
    }
}
