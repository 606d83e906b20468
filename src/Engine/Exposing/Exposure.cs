using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Vm.Machines;

namespace Layer.Engine.Exposing;

/// <summary>
/// One Layerfile's EXPOSE lines served from one machine. Every forward goes through QEMU's user-mode
/// network (<see cref="Machine.ForwardTcp"/>), bound to the host's 127.0.0.1 only: EXPOSE TCP gets the
/// same port number on the host when it is free; https websites are forwarded the same way (their bytes
/// cannot be routed); plain-http websites share one <see cref="HttpRouter"/> (on the first website's port
/// number when free) that routes by path prefix to a forward per guest port. Dispose stops the router
/// and hands the machine back to <c>release</c>.
/// </summary>
internal sealed class Exposure : IDisposable
{
    private readonly HttpRouter? _router;
    private readonly Action _release;

    private Exposure(List<ExposedReport> endpoints, HttpRouter? router, Action release)
    {
        Endpoints = endpoints;
        _router = router;
        _release = release;
    }

    public List<ExposedReport> Endpoints { get; }

    /// <exception cref="PortForwardException">QEMU refused every host port offered.</exception>
    public static Exposure Start(Machine machine, IReadOnlyList<PlannedExposure> exposures, Action release)
    {
        var endpoints = new List<ExposedReport>();
        foreach (var tcp in exposures.OfType<PlannedTcpExposure>())
        {
            var port = Forward(machine, tcp.GuestPort, tcp.GuestPort);
            endpoints.Add(new ExposedReport { Line = tcp.Line, Kind = "tcp", Target = tcp.GuestPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Url = $"127.0.0.1:{port}", HostPort = port });
        }

        var websites = exposures.OfType<PlannedWebsite>().ToList();
        foreach (var tls in websites.Where(w => w.Tls))
        {
            var port = Forward(machine, tls.GuestPort, tls.GuestPort);
            endpoints.Add(new ExposedReport { Line = tls.Line, Kind = "website", Target = tls.Target, Path = "/", Url = $"https://127.0.0.1:{port}/", HostPort = port });
        }

        var plain = websites.Where(w => !w.Tls).ToList();
        HttpRouter? router = null;
        if (plain.Count > 0)
        {
            var backends = plain.Select(w => w.GuestPort).Distinct().ToDictionary(p => p, p => Forward(machine, p, null));
            router = HttpRouter.Start(new RouteTable(plain.Select(w => new WebsiteRoute(w.Prefix, w.Rewrite, backends[w.GuestPort], w.Target))), plain[0].GuestPort);
            foreach (var website in plain)
            {
                var path = "/" + website.Prefix.Trim('/');
                endpoints.Add(new ExposedReport
                {
                    Line = website.Line,
                    Kind = "website",
                    Target = website.Target,
                    Path = path,
                    Url = $"http://127.0.0.1:{router.Port}{path.TrimEnd('/')}/",
                    HostPort = router.Port,
                });
            }
        }

        return new Exposure(endpoints.OrderBy(e => e.Line).ToList(), router, release);
    }

    /// <summary>Forwards a host port (the preferred one when free) to the guest port; returns the host port.</summary>
    private static int Forward(Machine machine, int guestPort, int? preferred)
    {
        PortForwardException? last = null;
        foreach (var port in HostPorts.Candidates(preferred))
        {
            try
            {
                machine.ForwardTcp(port, guestPort);
                return port;
            }
            catch (PortForwardException e)
            {
                last = e; // taken meanwhile, or below 1024 (QEMU does not run as root): try the next
            }
        }

        throw last!;
    }

    public void Dispose()
    {
        _router?.Dispose();
        _release();
    }
}
