using System.Net;

namespace Tidegate.Docker;

/// <summary>The engine answered with a non-2xx status, or reported an error inside a 200 progress stream.</summary>
public class DockerApiException(HttpStatusCode statusCode, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The daemon's own <c>message</c> (or progress <c>error</c>) text, without our prefix.</summary>
    public string DaemonMessage { get; init; } = message;
}

/// <summary>The engine could not be reached at all (no socket, connection refused, TLS or ssh failure).</summary>
public class DockerUnreachableException(string endpoint, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string Endpoint { get; } = endpoint;
}

/// <summary>The connection broke after the request was sent: the engine may or may not have acted on it.</summary>
public class DockerConnectionLostException(string endpoint, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string Endpoint { get; } = endpoint;
}

/// <summary>The engine's API version is older than this client supports.</summary>
public class DockerVersionException(string message) : Exception(message);
