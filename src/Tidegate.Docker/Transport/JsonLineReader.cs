using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Tidegate.Docker.Transport;

/// <summary>Reads a stream of JSON values (one per line, as the progress and events endpoints send them).</summary>
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

            var value = JsonSerializer.Deserialize<T>(line, DockerJson.Options);
            if (value is not null)
            {
                yield return value;
            }
        }
    }
}
