using System.Net.Http;
using System.Net.Sockets;

namespace Tidegate.Docker.Transport;

/// <summary>Decides which failures a request may be retried after.</summary>
internal static class TransientConnectionFailure
{
    /// <summary>
    /// True only for idempotent reads that failed while connecting or before the daemon answered
    /// (refused, reset, socket briefly missing during a daemon restart). Writes are never retried: a
    /// create or start may have happened even if the answer was lost.
    /// </summary>
    public static bool IsRetryable(HttpMethod method, Exception exception)
    {
        if (method != HttpMethod.Get && method != HttpMethod.Head)
        {
            return false;
        }

        return exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
            || (exception is HttpRequestException { InnerException: SocketException socket } && IsConnectFailure(socket.SocketErrorCode))
            || (exception is HttpRequestException { InnerException: IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } } });
    }

    /// <summary>True when the failure happened while connecting, so the request never reached the engine.</summary>
    public static bool IsUnreachable(Exception exception) => exception is HttpRequestException
    {
        HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.NameResolutionError,
    };

    /// <summary>True when the connection failed after the request may have been sent: the outcome is unknown,
    /// so callers must not assume a create or start did not happen.</summary>
    public static bool IsConnectionLost(Exception exception) => exception is HttpRequestException
    {
        HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.Unknown,
    };

    private static bool IsConnectFailure(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset
        or SocketError.AddressNotAvailable or SocketError.TryAgain;
}
