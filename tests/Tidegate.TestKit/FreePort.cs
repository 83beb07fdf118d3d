using System.Net;
using System.Net.Sockets;

namespace Tidegate.TestKit;

/// <summary>Free TCP ports on the loopback interface.</summary>
public static class FreePort
{
    // Below the kernel's ephemeral range (32768-60999 on Debian): the engine publishes random host ports (HostPort "")
    // and HAProxy and clients bind ephemeral ports there, so a port handed out from that range could be taken by
    // Docker between the test's check and its use. Ports are never handed out twice in one process.
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port that was free a moment ago on 127.0.0.1. Another process may still take it before use, so
    /// callers that start a listener should retry on "address in use".
    /// </summary>
    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (Given.Contains(port) || !IsFree(port))
                {
                    continue;
                }
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"No free port between {First} and {Last} on 127.0.0.1.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
