using System.Diagnostics;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Exec;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class LogsAndExecTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task ContainerLogs_WhenProcessWritesBothStreams_DemultiplexesStdoutAndStderr()
    {
        var id = await RunShellAsync("echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2", tty: false);
        await Client.ContainerWaitAsync(id, cancellationToken: Ct);

        var lines = await ToListAsync(Client.ContainerLogsAsync(id, cancellationToken: Ct));

        Assert.Equal(["out-1", "out-2"], lines.Where(l => l.Stream == LogSource.Stdout).Select(l => l.Text));
        Assert.Equal(["err-1", "err-2"], lines.Where(l => l.Stream == LogSource.Stderr).Select(l => l.Text));
    }

    [Fact]
    public async Task ContainerLogs_WhenContainerHasTty_ReadsTheRawStream()
    {
        var id = await RunShellAsync("echo tty-out; echo tty-err >&2", tty: true);
        await Client.ContainerWaitAsync(id, cancellationToken: Ct);

        var lines = await ToListAsync(Client.ContainerLogsAsync(id, cancellationToken: Ct));

        Assert.Equal(["tty-out", "tty-err"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal(LogSource.Stdout, l.Stream));
    }

    [Fact]
    public async Task ContainerLogs_WhenTailAndTimestampsGiven_ReturnsLastLinesWithTimestamps()
    {
        var id = await RunShellAsync("for i in 1 2 3 4 5; do echo line-$i; done", tty: false);
        await Client.ContainerWaitAsync(id, cancellationToken: Ct);

        var lines = await ToListAsync(Client.ContainerLogsAsync(id, new ContainerLogsParameters { Tail = 2, Timestamps = true }, Ct));

        Assert.Equal(2, lines.Count);
        Assert.EndsWith(" line-4", lines[0].Text, StringComparison.Ordinal);
        Assert.EndsWith(" line-5", lines[1].Text, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(lines[0].Text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out _));
    }

    [Fact]
    public async Task ContainerLogs_WhenSinceIsInTheFuture_ReturnsNothing()
    {
        var id = await RunShellAsync("echo early", tty: false);
        await Client.ContainerWaitAsync(id, cancellationToken: Ct);

        var lines = await ToListAsync(Client.ContainerLogsAsync(id, new ContainerLogsParameters { Since = DateTimeOffset.UtcNow.AddHours(1) }, Ct));

        Assert.Empty(lines);
    }

    [Fact]
    public async Task ContainerLogs_WhenFollowing_YieldsNewLinesAndEndsPromptlyOnCancellation()
    {
        var created = await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = Resources.Labels }, Resources.Name("worker"), Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new List<string>();
        var clock = new Stopwatch();

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var line in Client.ContainerLogsAsync(created.Id, new ContainerLogsParameters { Follow = true }, cancel.Token))
            {
                seen.Add(line.Text);
                if (seen.Count(t => t.Contains("tick", StringComparison.Ordinal)) == 2)
                {
                    clock.Start();
                    await cancel.CancelAsync();
                }
            }
        });
        clock.Stop();

        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"follow ended {clock.Elapsed} after cancellation");
        Assert.Contains("worker 1.0.0: tick 2", seen);
        // The connection went back: the same client still works.
        Assert.True((await Client.ContainerInspectAsync(created.Id, Ct)).State!.Running);
    }

    [Fact]
    public async Task ContainerLogs_WhenFollowingAndContainerStops_EndsTheStream()
    {
        var created = await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = Resources.Labels }, Resources.Name("worker"), Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        var lines = new List<LogLine>();

        await foreach (var line in Client.ContainerLogsAsync(created.Id, new ContainerLogsParameters { Follow = true }, Ct))
        {
            lines.Add(line);
            if (line.Text.EndsWith("tick 1", StringComparison.Ordinal))
            {
                await Client.ContainerStopAsync(created.Id, TimeSpan.FromSeconds(5), Ct);
            }
        }

        Assert.Equal("worker 1.0.0: stopping", lines[^1].Text);
    }

    [Fact]
    public async Task ExecRun_WhenCommandWritesAndFails_ReturnsStdoutStderrAndExitCode()
    {
        var id = await RunWebAsync();

        var result = await Client.ExecRunAsync(id, ["sh", "-c", "echo to-out; echo to-err >&2; printf 'no newline'; exit 42"], Ct);

        Assert.Equal("to-out\nno newline", result.Stdout);
        Assert.Equal("to-err\n", result.Stderr);
        Assert.Equal(42, result.ExitCode);
    }

    [Fact]
    public async Task ExecRun_WhenCommandSucceeds_ReturnsZeroAndEnvironment()
    {
        var id = await RunWebAsync(TestImages.Web110);

        var result = await Client.ExecRunAsync(id, ["sh", "-c", "echo $VERSION"], Ct);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("1.1.0\n", result.Stdout);
    }

    [Fact]
    public async Task ExecStart_WhenStreamed_YieldsLinesAndInspectShowsExitCode()
    {
        var id = await RunWebAsync();
        var exec = await Client.ExecCreateAsync(id, new ExecCreateRequest { Cmd = ["sh", "-c", "echo a; echo b >&2; exit 3"], Env = ["X=1"] }, Ct);

        var lines = await ToListAsync(Client.ExecStartAsync(exec.Id, cancellationToken: Ct));
        var inspect = await Wait.UntilAsync(ct => Client.ExecInspectAsync(exec.Id, ct), i => !i.Running, "the exec to finish", cancellationToken: Ct);

        Assert.Contains(new LogLine(LogSource.Stdout, "a"), lines);
        Assert.Contains(new LogLine(LogSource.Stderr, "b"), lines);
        Assert.Equal(3, inspect.ExitCode);
        Assert.Equal(id, inspect.ContainerId);
    }

    [Fact]
    public async Task ExecCreate_WhenContainerNotRunning_Throws409()
    {
        var id = (await CreateWebAsync()).Id;

        var ex = await Assert.ThrowsAsync<DockerApiException>(() => Client.ExecCreateAsync(id, new ExecCreateRequest { Cmd = ["true"] }, Ct));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, ex.StatusCode);
    }

    private async Task<string> RunShellAsync(string script, bool tty)
    {
        var created = await Client.ContainerCreateAsync(
            new ContainerCreateRequest { Image = TestImages.Worker100, Entrypoint = ["sh", "-c", script], Tty = tty, Labels = Resources.Labels },
            Resources.Name("shell"),
            Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        return created.Id;
    }
}
