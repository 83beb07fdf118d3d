using Microsoft.Extensions.DependencyInjection;
using Tidegate.Core.Engine;
using Tidegate.Core.Store;

namespace Tidegate.Server.Tests;

/// <summary><c>tidegate ops cancel</c> against a real server on a loopback port.</summary>
public sealed class CancelCliTests : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "tidegate-cli-tests", Guid.NewGuid().ToString("N"));
    private RealServer _server = null!;
    private Seed _seed = null!;

    public async Task InitializeAsync()
    {
        _server = await RealServer.StartAsync();
        _seed = await Seed.CreateAsync(_server.Store);
        Assert.Equal(0, (await CliAsync(Seed.Password + "\n", "login", "--server", _server.Address.ToString(), "--username", "operator")).Code);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    [Fact]
    public async Task OpsCancel_RequestsCancellation_OrExplainsWhyNot()
    {
        var running = await RunningAsync();
        var finished = await RunningAsync();
        await _server.Store.Operations.TransitionAsync(finished.Id, OperationStatus.Failed, "boom", default);
        using var handle = _server.Services.GetRequiredService<OperationCancellation>().Register(running.Id, "pull");

        var cancelled = await CliAsync("", "ops", "cancel", running.Id);
        var refused = await CliAsync("", "ops", "cancel", finished.Id);

        Assert.True(cancelled.Code == 0, cancelled.Error);
        Assert.Equal($"cancellation of operation {running.Id} requested (during pull)", cancelled.Out.Trim());
        Assert.True(handle.Token.IsCancellationRequested);
        Assert.Equal(5, refused.Code);
        Assert.StartsWith($"error: Operation {finished.Id} already finished (Failed)", refused.Error, StringComparison.Ordinal);
    }

    private async Task<OperationRecord> RunningAsync()
    {
        var operation = await _server.Store.Operations.CreateAsync(new NewOperation(_seed.Deployment.Id, _seed.Deployment.Name, OperationKind.Deploy, "operator"), default);
        return (await _server.Store.Operations.TransitionAsync(operation.Id, OperationStatus.Running, null, default))!;
    }

    private async Task<(int Code, string Out, string Error)> CliAsync(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.CliApp.RunAsync(args, new Cli.Client.CliIO(new StringReader(stdin), output, error, n => n == "HOME" ? _home : null, Interactive: false));
        return (code, output.ToString(), error.ToString());
    }
}
