using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Tidegate.Docker.Transport;

/// <summary>Reads a stream of JSON values (one per line, as the progress and events endpoints send them). A cut last line
/// (the stream ended mid-message) is an <see cref="IOException"/>.</summary>
internal static class JsonLineReader
{
    public static async IAsyncEnumerable<T> ReadAsync<T>(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            T? value = default;
            JsonException? error = null;
            try
            {
                value = JsonSerializer.Deserialize<T>(line, DockerJson.Options);
            }
            catch (JsonException ex)
            {
                error = ex;
            }

            if (error is not null)
            {
                if (await reader.ReadLineAsync(cancellationToken) is null)
                {
                    // The last line is cut: a daemon that stops (restart, crash) or a connection that breaks ended the stream
                    // in the middle of a message. Callers treat that like any other lost connection (the health monitor
                    // reconnects, a pull fails). A bad line inside the stream stays a JsonException: a bug to see, not to retry.
                    throw new IOException($"The Docker daemon's stream ended or broke in the middle of a message: {error.Message}", error);
                }

                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }

            if (value is not null)
            {
                yield return value;
            }
        }
    }
}
