using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tidegate.Docker.Transport;

/// <summary>
/// Reads Docker's attach/logs framing (8-byte header: stream type, 3 zero bytes, big-endian length) or, for
/// TTY containers, the raw byte stream, and yields complete lines per stream.
/// </summary>
internal static class MultiplexedStreamReader
{
    private const int HeaderLength = 8;

    public static async IAsyncEnumerable<LogLine> ReadLinesAsync(Stream stream, bool multiplexed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stdout = new LineSplitter(LogSource.Stdout);
        var stderr = new LineSplitter(LogSource.Stderr);
        await foreach (var (source, bytes) in ReadFramesAsync(stream, multiplexed, cancellationToken))
        {
            foreach (var line in (source == LogSource.Stderr ? stderr : stdout).Push(bytes.Span))
            {
                yield return line;
            }
        }

        foreach (var line in stdout.Flush().Concat(stderr.Flush()))
        {
            yield return line;
        }
    }

    /// <summary>Yields payload chunks as they arrive; a chunk's memory is only valid until the next one.</summary>
    public static async IAsyncEnumerable<(LogSource Stream, ReadOnlyMemory<byte> Bytes)> ReadFramesAsync(Stream stream, bool multiplexed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var payload = new byte[16 * 1024];
        if (!multiplexed)
        {
            int read;
            while ((read = await stream.ReadAsync(payload, cancellationToken)) > 0)
            {
                yield return (LogSource.Stdout, payload.AsMemory(0, read));
            }

            yield break;
        }

        var header = new byte[HeaderLength];
        while (await ReadExactlyOrEndAsync(stream, header, cancellationToken))
        {
            var source = header[0] switch
            {
                0 or 1 => LogSource.Stdout,
                // 3 is "systemerr": errors the daemon itself writes into the stream.
                2 or 3 => LogSource.Stderr,
                _ => throw new IOException($"The multiplexed stream has an unknown stream type {header[0]}."),
            };
            var remaining = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            while (remaining > 0)
            {
                var chunk = Math.Min(remaining, payload.Length);
                if (!await ReadExactlyOrEndAsync(stream, payload.AsMemory(0, chunk), cancellationToken))
                {
                    throw new IOException("The multiplexed stream ended inside a frame.");
                }

                remaining -= chunk;
                yield return (source, payload.AsMemory(0, chunk));
            }
        }
    }

    /// <summary>Fills the buffer; false when the stream ended cleanly before the first byte.</summary>
    private static async ValueTask<bool> ReadExactlyOrEndAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0)
            {
                if (filled == 0)
                {
                    return false;
                }

                throw new IOException("The multiplexed stream ended inside a frame header.");
            }

            filled += read;
        }

        return true;
    }

    private sealed class LineSplitter(LogSource stream)
    {
        private readonly List<byte> _pending = [];

        public List<LogLine> Push(ReadOnlySpan<byte> bytes)
        {
            var lines = new List<LogLine>();
            foreach (var b in bytes)
            {
                if (b == (byte)'\n')
                {
                    lines.Add(new LogLine(stream, Decode()));
                }
                else
                {
                    _pending.Add(b);
                }
            }

            return lines;
        }

        public IEnumerable<LogLine> Flush() => _pending.Count == 0 ? [] : [new LogLine(stream, Decode())];

        private string Decode()
        {
            // Decoding whole lines (not chunks) keeps multi-byte UTF-8 characters split across frames intact.
            var text = Encoding.UTF8.GetString([.. _pending]).TrimEnd('\r');
            _pending.Clear();
            return text;
        }
    }
}
