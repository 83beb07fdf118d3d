using System.Runtime.CompilerServices;
using Tidegate.Docker.Events;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker;

public sealed partial class DockerClient
{
    /// <summary>GET /events. Follows until <see cref="EventsParameters.Until"/> or cancellation.</summary>
    public async IAsyncEnumerable<EventMessage> SystemEventsAsync(EventsParameters? parameters = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        parameters ??= new EventsParameters();
        var query = new QueryBuilder()
            .Add("since", parameters.Since is { } since ? UnixTime(since) : null)
            .Add("until", parameters.Until is { } until ? UnixTime(until) : null)
            .Add("filters", parameters.Filters);
        await foreach (var message in StreamJsonAsync<EventMessage>(HttpMethod.Get, "/events" + query, content: null, headers: null, cancellationToken))
        {
            yield return message;
        }
    }
}
