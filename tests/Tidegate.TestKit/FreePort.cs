using System.Net;
using System.Net.Sockets;

namespace Tidegate.TestKit;

/// <summary>Free TCP ports on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>
    /// A port that was free a moment ago on 127.0.0.1. Another process may still take it before use, so
    /// callers that start a listener should retry on "address in use".
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
