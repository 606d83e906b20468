using System.Net;
using System.Net.Sockets;
using System.Text;
using Layer.Engine.Exposing;

namespace Layer.Engine.Tests.Exposing;

/// <summary>The router on real loopback sockets, in front of tiny servers that answer with the request head they got.</summary>
public sealed class HttpRouterTests : IDisposable
{
    private readonly List<TcpListener> _servers = [];
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var server in _servers) server.Stop();
    }

    /// <summary>A server that echoes the request head as its body; with <paramref name="silent"/>, closes without a word.</summary>
    private int EchoServer(string name, bool silent = false)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _servers.Add(listener);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n"))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0) break;
                    head.Append(Encoding.Latin1.GetString(buffer, 0, read));
                }

                if (silent) continue;
                var body = Encoding.UTF8.GetBytes($"{name}\n{head}");
                await stream.WriteAsync(Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n"), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        });
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Requests_go_to_the_website_of_their_prefix_with_the_path_rewritten_one_request_per_connection()
    {
        var web = EchoServer("web");
        var api = EchoServer("api");
        using var router = HttpRouter.Start(new RouteTable([new WebsiteRoute("/", null, web, "localhost:3000"), new WebsiteRoute("/api", "/", api, "localhost:4000")]), 0);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{router.Port}") };

        var page = await http.GetStringAsync("/index.html?x=1");
        Assert.StartsWith("web\nGET /index.html?x=1 HTTP/1.1\r\n", page);
        var users = await http.GetStringAsync("/api/users");
        Assert.StartsWith("api\nGET /users HTTP/1.1\r\n", users);
        Assert.Contains("Connection: close\r\n", users);
        Assert.Contains("X-Forwarded-Prefix: /api\r\n", users);
        // The same client (keep-alive on its side) reaches the first website again: routed afresh.
        Assert.StartsWith("web\nGET /again HTTP/1.1", await http.GetStringAsync("/again"));
    }

    [Fact]
    public async Task Unrouted_paths_get_404_and_a_silent_guest_gets_502_with_a_hint()
    {
        var silent = EchoServer("silent", silent: true);
        using var router = HttpRouter.Start(new RouteTable([new WebsiteRoute("/app", null, silent, "localhost:8080")]), 0);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{router.Port}") };

        var missing = await http.GetAsync("/elsewhere");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("/app", await missing.Content.ReadAsStringAsync());
        var bad = await http.GetAsync("/app/x");
        Assert.Equal(HttpStatusCode.BadGateway, bad.StatusCode);
        Assert.Contains("0.0.0.0", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_preferred_port_is_used_when_free_else_another()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            using var router = HttpRouter.Start(new RouteTable([]), port);
            Assert.NotEqual(port, router.Port);
        }
        finally
        {
            taken.Stop();
        }
    }
}
