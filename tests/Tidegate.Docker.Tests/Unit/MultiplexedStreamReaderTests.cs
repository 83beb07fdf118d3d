using System.Buffers.Binary;
using System.Text;
using Tidegate.Docker.Transport;

namespace Tidegate.Docker.Tests.Unit;

public sealed class MultiplexedStreamReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(4096)]
    public async Task ReadLines_WhenFramesArriveInPiecesOfAnySize_YieldsCompleteLinesPerStream(int readSize)
    {
        var bytes = Concat(
            Frame(1, "hello "),
            Frame(2, "warn"),
            Frame(1, "world\nsecond line\n"),
            Frame(2, "ing\n"),
            Frame(1, "tail without newline"));

        var lines = await ReadAllAsync(new TricklingStream(bytes, readSize), multiplexed: true);

        Assert.Equal(
            [
                new LogLine(LogSource.Stdout, "hello world"),
                new LogLine(LogSource.Stdout, "second line"),
                new LogLine(LogSource.Stderr, "warning"),
                new LogLine(LogSource.Stdout, "tail without newline"),
            ],
            lines);
    }

    [Fact]
    public async Task ReadLines_WhenMultiByteCharacterSplitAcrossFrames_DecodesIt()
    {
        var euro = Encoding.UTF8.GetBytes("€\n");
        var bytes = Concat(FrameBytes(1, euro[..1]), FrameBytes(1, euro[1..]));

        var lines = await ReadAllAsync(new TricklingStream(bytes, 2), multiplexed: true);

        Assert.Equal([new LogLine(LogSource.Stdout, "€")], lines);
    }

    [Fact]
    public async Task ReadLines_WhenNotMultiplexed_TreatsEverythingAsStdoutAndStripsCarriageReturns()
    {
        var bytes = Encoding.UTF8.GetBytes("tty line\r\nnext\r\n");

        var lines = await ReadAllAsync(new TricklingStream(bytes, 5), multiplexed: false);

        Assert.Equal([new LogLine(LogSource.Stdout, "tty line"), new LogLine(LogSource.Stdout, "next")], lines);
    }

    [Theory]
    [InlineData(0, LogSource.Stdout)]
    [InlineData(1, LogSource.Stdout)]
    [InlineData(2, LogSource.Stderr)]
    [InlineData(3, LogSource.Stderr)]
    public async Task ReadLines_MapsEachStreamType(byte type, LogSource expected)
    {
        var lines = await ReadAllAsync(new TricklingStream(Frame(type, "line\n"), 64), multiplexed: true);

        Assert.Equal([new LogLine(expected, "line")], lines);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(255)]
    public async Task ReadLines_WhenStreamTypeIsUnknown_ThrowsIOException(byte type)
    {
        var ex = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(new TricklingStream(Frame(type, "x\n"), 64), multiplexed: true));

        Assert.Contains($"unknown stream type {type}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadLines_WhenStreamEndsInsideFrame_ThrowsIOException()
    {
        var frame = Frame(1, "truncated payload\n");
        var bytes = frame[..(frame.Length - 4)];

        await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(new TricklingStream(bytes, 3), multiplexed: true));
    }

    [Fact]
    public async Task ReadLines_WhenFrameLargerThanBuffer_ReassemblesIt()
    {
        var big = new string('x', 40_000);

        var lines = await ReadAllAsync(new TricklingStream(Frame(1, big + "\n"), 1000), multiplexed: true);

        Assert.Equal(big, Assert.Single(lines).Text);
    }

    private static async Task<List<LogLine>> ReadAllAsync(Stream stream, bool multiplexed)
    {
        var lines = new List<LogLine>();
        await foreach (var line in MultiplexedStreamReader.ReadLinesAsync(stream, multiplexed, CancellationToken.None))
        {
            lines.Add(line);
        }

        return lines;
    }

    private static byte[] Frame(byte stream, string text) => FrameBytes(stream, Encoding.UTF8.GetBytes(text));

    private static byte[] FrameBytes(byte stream, byte[] payload)
    {
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(frame, 8);
        return frame;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>Returns at most a fixed number of bytes per read, as a slow socket would.</summary>
    private sealed class TricklingStream(byte[] data, int maxRead) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, maxRead), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - _position);
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return ValueTask.FromResult(n);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
