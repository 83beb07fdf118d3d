using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

/// <summary>One local registry per test class, holding web:1.0.0.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private LocalRegistry? _registry;

    public LocalRegistry Registry => _registry ?? throw new InvalidOperationException("Registry not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await TestImages.EnsureBuiltAsync(timeout.Token);
        _registry = await LocalRegistry.StartAsync(timeout.Token);
        await _registry.PushAsync(TestImages.Web100, "web:1.0.0", timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }
}
