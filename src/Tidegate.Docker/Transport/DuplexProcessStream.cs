using System.Diagnostics;
using System.Text;

namespace Tidegate.Docker.Transport;

/// <summary>One HTTP connection over a child process's stdin/stdout (ssh ... docker system dial-stdio).</summary>
internal sealed class DuplexProcessStream : Stream
{
    // What ssh needs from our environment (its configuration, the agent, the locale), nothing more: the server's own
    // settings (TIDEGATE_*: the secret key, the bootstrap password) must not reach a child that runs ProxyCommands,
    // writes logs or can be read through /proc/PID/environ. Tidegate.Docker does not reference Core, so the list is
    // kept here beside the one child it starts.
    private static readonly string[] InheritedVariables =
        ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSL_CERT_FILE", "SSL_CERT_DIR"];

    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly StringBuilder _stderr = new();
    private long _bytesRead;

    private DuplexProcessStream(Process process)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _output = process.StandardOutput.BaseStream;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public static DuplexProcessStream Start(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        RestrictEnvironment(info);
        var process = Process.Start(info) ?? throw new IOException($"Could not start '{fileName}'.");
        return new DuplexProcessStream(process);
    }

    private static void RestrictEnvironment(ProcessStartInfo info)
    {
        var inherited = info.Environment.ToArray();
        info.Environment.Clear();
        foreach (var (name, value) in inherited)
        {
            if (value is not null && (InheritedVariables.Contains(name, StringComparer.Ordinal) || name.StartsWith("LC_", StringComparison.Ordinal)))
            {
                info.Environment[name] = value;
            }
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _output.ReadAsync(buffer, cancellationToken);
        if (read == 0 && _bytesRead == 0 && buffer.Length > 0)
        {
            // The process ended before speaking HTTP: its stderr (ssh's reason) is the useful error.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
            }

            throw ClosedEarly();
        }

        _bytesRead += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = _output.Read(buffer, offset, count);
        if (read == 0 && _bytesRead == 0 && count > 0)
        {
            _process.WaitForExit(TimeSpan.FromSeconds(2));
            throw ClosedEarly();
        }

        _bytesRead += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private IOException ClosedEarly()
    {
        string text;
        lock (_stderr)
        {
            text = _stderr.ToString().Trim();
        }

        var message = $"'{_process.StartInfo.FileName}' closed the connection: {(text.Length > 0 ? text : "no output")}";
        // ssh exits with 255 for its own errors (refused, host key, authentication): the remote command never ran.
        return _process.HasExited && _process.ExitCode == 255 ? new TransportNotEstablishedException(message) : new IOException(message);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _input.WriteAsync(buffer, cancellationToken);
        await _input.FlushAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _input.Write(buffer, offset, count);
        _input.Flush();
    }

    public override void Flush() => _input.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _input.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _input.Dispose();
            _output.Dispose();
            _process.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The transport under HTTP (an ssh session) was never set up, so no request reached the engine.</summary>
internal sealed class TransportNotEstablishedException(string message) : IOException(message);
