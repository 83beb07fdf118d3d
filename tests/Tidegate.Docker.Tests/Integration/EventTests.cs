using System.Diagnostics;
using Tidegate.Docker.Containers;
using Tidegate.Docker.Events;
using Tidegate.TestKit;
using Tidegate.TestKit.Images;

namespace Tidegate.Docker.Tests.Integration;

public sealed class EventTests(DockerDaemonFixture fixture) : DaemonTest(fixture), IClassFixture<DockerDaemonFixture>
{
    [Fact]
    public async Task SystemEvents_WhenSinceAndUntilBracketActions_ReplaysThisTestsContainerEvents()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var created = await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = Resources.Labels }, Resources.Name("evt"), Ct);
        await Client.ContainerStartAsync(created.Id, Ct);
        await Client.ContainerKillAsync(created.Id, cancellationToken: Ct);
        await Client.ContainerWaitAsync(created.Id, cancellationToken: Ct);
        var until = DateTimeOffset.UtcNow.AddSeconds(1);

        var events = await ToListAsync(Client.SystemEventsAsync(
            new EventsParameters
            {
                Since = since,
                Until = until,
                Filters = new Dictionary<string, IReadOnlyList<string>> { ["label"] = [Resources.LabelFilter], ["type"] = ["container"] },
            },
            Ct));

        var actions = events.Where(e => e.Actor?.Id == created.Id).Select(e => e.Action).ToList();
        Assert.Equal(["create", "start", "kill", "die"], actions);
        Assert.All(events, e => Assert.Equal(Resources.Id, e.Actor!.Attributes![TestResources.LabelKey]));
    }

    [Fact]
    public async Task SystemEvents_WhenFollowing_YieldsLiveEventsAndEndsPromptlyOnCancellation()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var filters = new Dictionary<string, IReadOnlyList<string>> { ["label"] = [Resources.LabelFilter], ["event"] = ["start"] };
        var received = new TaskCompletionSource<EventMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var reader = Task.Run(async () =>
        {
            await foreach (var message in Client.SystemEventsAsync(new EventsParameters { Filters = filters }, cancel.Token))
            {
                received.TrySetResult(message);
            }
        });
        // The subscription is live once the daemon has answered; starting containers until one is seen avoids
        // racing the request (a start before the subscription would be missed, a later one is not).
        var started = new List<string>();
        await Wait.UntilAsync(
            async ct =>
            {
                var created = await Client.ContainerCreateAsync(new ContainerCreateRequest { Image = TestImages.Worker100, Labels = Resources.Labels }, Resources.Name("live" + started.Count), ct);
                await Client.ContainerStartAsync(created.Id, ct);
                started.Add(created.Id);
                return received.Task.IsCompleted;
            },
            "a live start event",
            TimeSpan.FromSeconds(20),
            Ct);

        clock.Start();
        await cancel.CancelAsync();
        var ex = await Record.ExceptionAsync(() => reader);
        clock.Stop();

        Assert.Contains((await received.Task).Actor!.Id, started);
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"events stream ended {clock.Elapsed} after cancellation");
    }
}
