using System.Globalization;

namespace Layer.Engine.Exposing;

/// <summary>
/// Reads the targets of EXPOSE lines. They name a server as the guest sees it (<c>localhost:8080</c>,
/// <c>http://localhost</c>, <c>https://127.0.0.1:8443</c>, <c>8080</c>); the forward reaches the guest's own
/// address, so only local host names make sense.
/// </summary>
internal static class WebsiteTargets
{
    private static readonly string[] LocalHosts = ["localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"];

    /// <summary>The port and whether the target speaks TLS, or the reason it cannot be served.</summary>
    public static (int Port, bool Tls, string? Error) Parse(string target)
    {
        var text = target.Trim().TrimEnd('/');
        var tls = false;
        if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            tls = true;
            text = text["https://".Length..];
        }
        else if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            text = text["http://".Length..];
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bare)) return Checked(bare, tls);
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        if (!LocalHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return (0, tls, $"`{target}` is not a server inside the VM; EXPOSE reaches the VM's own ports (write localhost:PORT)");
        }

        if (colon < 0) return (tls ? 443 : 80, tls, null);
        return int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? Checked(port, tls)
            : (0, tls, $"`{target}` has no valid port");
    }

    /// <summary>The port of an <c>EXPOSE TCP</c> item (<c>8080</c> or <c>host:8080</c>).</summary>
    public static int TcpPort(string item) =>
        int.Parse(item[(item.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);

    private static (int, bool, string?) Checked(int port, bool tls) =>
        port is >= 1 and <= 65535 ? (port, tls, null) : (0, tls, $"port {port} is not a TCP port (1 to 65535)");
}
