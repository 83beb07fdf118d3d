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
        if (!IsIdempotent(method))
        {
            return false;
        }

        return exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
            || (exception is HttpRequestException { InnerException: SocketException socket } && IsConnectFailure(socket.SocketErrorCode))
            || (exception is HttpRequestException { InnerException: IOException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } } });
    }

    /// <summary>True when the request cannot have had an effect: the failure happened while connecting
    /// (or setting up TLS/ssh), or the request was an idempotent read.</summary>
    public static bool IsUnreachable(HttpMethod method, Exception exception) => exception is HttpRequestException
    {
        HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.NameResolutionError,
    } || (exception is HttpRequestException && SessionNeverEstablished(exception))
      // A read changes nothing, so "outcome unknown" would tell the caller nothing; a peer that resets during a
      // TLS rejection also looks exactly like this, and for reads it should read as unreachable.
      || (IsIdempotent(method) && IsConnectionLost(exception));

    /// <summary>True when the connection failed after the request may have been sent: for a write the outcome
    /// is unknown, so callers must not assume a create or start did not happen.</summary>
    public static bool IsConnectionLost(Exception exception) => exception is HttpRequestException
    {
        HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.Unknown,
    };

    private static bool IsIdempotent(HttpMethod method) => method == HttpMethod.Get || method == HttpMethod.Head;

    // With TLS 1.3 the server rejects a client certificate after the client has written its request, and
    // an ssh login fails after the HTTP request went into the pipe; in both the engine never saw the request.
    private static bool SessionNeverEstablished(Exception exception)
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is TransportNotEstablishedException or System.Security.Cryptography.CryptographicException or System.Security.Authentication.AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConnectFailure(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset
        or SocketError.AddressNotAvailable or SocketError.TryAgain;
}
