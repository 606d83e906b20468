using System.Net;
using System.Net.Sockets;

namespace Layer.Engine.Exposing;

/// <summary>Ports on the host's 127.0.0.1: only there, so an exposed VM is never reachable from the network.</summary>
internal static class HostPorts
{
    /// <summary>A listener on 127.0.0.1:<paramref name="port"/> (0: any free port), or null when the port is taken.</summary>
    public static TcpListener? Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            listener.Stop();
            return null;
        }
    }

    /// <summary>
    /// Ports to offer QEMU for a forward, best first: <paramref name="preferred"/> when it is free now, then
    /// free ports the kernel picks. QEMU binds them itself a moment later, so one may be taken by then:
    /// callers try the next.
    /// </summary>
    public static IEnumerable<int> Candidates(int? preferred)
    {
        if (preferred is { } wanted && Free(wanted)) yield return wanted;
        for (var i = 0; i < 5; i++)
        {
            var listener = Listen(0)!;
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            yield return port;
        }
    }

    private static bool Free(int port)
    {
        var listener = Listen(port);
        listener?.Stop();
        return listener is not null;
    }
}
