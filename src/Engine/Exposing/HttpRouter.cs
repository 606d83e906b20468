using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Layer.Engine.Exposing;

/// <summary>
/// A small HTTP/1.x router on 127.0.0.1 in front of the guest's websites. It reads each connection's
/// request head, picks the website by path prefix (<see cref="RouteTable"/>), rewrites the request
/// target, and from then on relays bytes both ways. Each connection carries one request
/// (<c>Connection: close</c> is set toward the guest) so that the next request, which may belong to
/// another website, is routed afresh; an <c>Upgrade</c> request (WebSocket) keeps its connection
/// headers and the relay lasts as long as both sides do.
/// </summary>
internal sealed class HttpRouter : IDisposable
{
    /// <summary>Longest request head accepted; browsers send a few KiB.</summary>
    private const int MaxHead = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly RouteTable _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private HttpRouter(TcpListener listener, RouteTable routes)
    {
        _listener = listener;
        _routes = routes;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Listens on 127.0.0.1:<paramref name="preferredPort"/> when it is free, else on any free port.</summary>
    public static HttpRouter Start(RouteTable routes, int preferredPort)
    {
        var listener = HostPorts.Listen(preferredPort) ?? HostPorts.Listen(0)!;
        return new HttpRouter(listener, routes);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var (head, extra) = await ReadHeadAsync(stream, _stop.Token);
            if (head is null) return;
            var lines = head.Split("\r\n");
            var request = lines[0].Split(' ');
            if (request.Length != 3)
            {
                await ReplyAsync(stream, 400, "Bad Request", "not an HTTP/1 request line\n");
                return;
            }

            if (_routes.Match(request[1]) is not { } match)
            {
                await ReplyAsync(stream, 404, "Not Found",
                    $"layer: no EXPOSE WEBSITE serves {request[1]}; exposed paths: {string.Join(", ", _routes.Routes.Select(r => r.Prefix))}\n");
                return;
            }

            using var backend = new TcpClient();
            try
            {
                await backend.ConnectAsync(IPAddress.Loopback, match.Route.BackendPort, _stop.Token);
            }
            catch (SocketException e)
            {
                await ReplyAsync(stream, 502, "Bad Gateway", $"layer: the forward to {match.Route.Target} in the VM is gone ({e.Message})\n");
                return;
            }

            var upstream = backend.GetStream();
            var outgoing = Rewrite(lines, request, match.Target, match.Route);
            await upstream.WriteAsync(Encoding.Latin1.GetBytes(outgoing), _stop.Token);
            if (extra.Length > 0) await upstream.WriteAsync(extra, _stop.Token);

            var toGuest = RelayAsync(stream, upstream, () => backend.Client.Shutdown(SocketShutdown.Send));
            var answered = false;
            var fromGuest = RelayAsync(upstream, stream, () =>
            {
                // Without an answer the client still gets ours (502) below.
                if (answered) client.Client.Shutdown(SocketShutdown.Send);
            }, () => answered = true);
            try
            {
                await fromGuest;
            }
            catch (IOException) when (!answered)
            {
                // QEMU accepts the connection on the host before it knows whether the guest listens.
                await ReplyAsync(stream, 502, "Bad Gateway",
                    $"layer: nothing answered at {match.Route.Target} in the VM (is the server running and listening on 0.0.0.0, not only on 127.0.0.1?)\n");
                return;
            }

            if (!answered)
            {
                await ReplyAsync(stream, 502, "Bad Gateway",
                    $"layer: {match.Route.Target} in the VM closed the connection without answering (is the server running and listening on 0.0.0.0, not only on 127.0.0.1?)\n");
                return;
            }

            // The guest is done and the client was told (shutdown of our sending side): give the client a
            // moment to close its side, so closing ours never resets a response it has not read yet.
            await Task.WhenAny(toGuest, Task.Delay(1000));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A side hung up or the router stops: the connection ends, nothing else is affected.
        }
    }

    /// <summary>The request head with the new target; <c>Connection: close</c> toward the guest unless the client upgrades.</summary>
    internal static string Rewrite(string[] lines, string[] request, string target, WebsiteRoute route)
    {
        var head = new StringBuilder($"{request[0]} {target} {request[2]}\r\n");
        var upgrade = lines.Skip(1).Any(l => l.StartsWith("Upgrade:", StringComparison.OrdinalIgnoreCase));
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            if (!upgrade && (line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Keep-Alive:", StringComparison.OrdinalIgnoreCase))) continue;
            head.Append(line).Append("\r\n");
        }

        if (!upgrade) head.Append("Connection: close\r\n");
        if (route.Prefix != "/" && route.Rewrite is not null) head.Append($"X-Forwarded-Prefix: {route.Prefix}\r\n");
        return head.Append("\r\n").ToString();
    }

    /// <summary>Reads up to the blank line that ends the head; returns the head (without it) and any bytes read past it.</summary>
    private static async Task<(string? Head, byte[] Extra)> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHead];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) return (null, []);
            var from = Math.Max(0, length - 3);
            length += read;
            var end = buffer.AsSpan(from, length - from).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                end += from;
                return (Encoding.Latin1.GetString(buffer, 0, end), buffer[(end + 4)..length]);
            }
        }

        await ReplyAsync(stream, 431, "Request Header Fields Too Large", "layer: request head over 64 KiB\n");
        return (null, []);
    }

    private static async Task RelayAsync(Stream from, Stream to, Action ended, Action? first = null)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer);
            if (read == 0) break;
            first?.Invoke();
            first = null;
            await to.WriteAsync(buffer.AsMemory(0, read));
        }

        try
        {
            ended();
        }
        catch (SocketException)
        {
            // Already closed.
        }
    }

    private static async Task ReplyAsync(Stream stream, int code, string reason, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head));
        await stream.WriteAsync(bytes);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _accepting.Wait(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
