using System.Text;
using Tidegate.Docker.Events;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker.Tests.Unit;

/// <summary>The events and progress streams: whole lines are values; a stream cut in the middle of a message (a daemon
/// restart) is a lost connection (IOException), which callers already handle, not a JsonException that nobody expects.</summary>
public sealed class JsonLineReaderTests
{
    [Fact]
    public async Task WholeLines_AreRead_BlankLinesSkipped()
    {
        var events = await ReadAllAsync("{\"Type\":\"container\",\"Action\":\"start\"}\n\n{\"Type\":\"container\",\"Action\":\"die\"}\n");

        Assert.Equal(["start", "die"], events.Select(e => e.Action));
    }

    [Fact]
    public async Task AStreamCutMidMessage_IsAnIOException_AfterTheWholeLinesBeforeIt()
    {
        var read = new List<EventMessage>();

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var e in JsonLineReader.ReadAsync<EventMessage>(Stream("{\"Type\":\"container\",\"Action\":\"start\"}\n{\"Type\":\"contai"), default))
            {
                read.Add(e);
            }
        });

        Assert.Equal(["start"], read.Select(e => e.Action));
        Assert.Contains("in the middle of a message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadLineInsideTheStream_StaysAJsonException()
    {
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() =>
            ReadAllAsync("{\"Type\":\"container\",\"Action\":\"start\"}\nnot json\n{\"Type\":\"container\",\"Action\":\"die\"}\n"));
    }

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task<List<EventMessage>> ReadAllAsync(string text)
    {
        var list = new List<EventMessage>();
        await foreach (var e in JsonLineReader.ReadAsync<EventMessage>(Stream(text), default))
        {
            list.Add(e);
        }

        return list;
    }
}
