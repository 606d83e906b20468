using System.Net.Sockets;

namespace Layer.Guest;

/// <summary>Opens the byte stream to the host that the options name.</summary>
internal static class LinkOpener
{
    public static Stream Open(AgentOptions options) => options.Link switch
    {
        LinkKind.Port => OpenPort(options.PortName),
        LinkKind.Socket => OpenSocket(options.SocketPath),
        LinkKind.Stdio => new FdStream(0, 1, ownsFds: false),
        _ => throw new ArgumentOutOfRangeException(nameof(options)),
    };

    private static Stream OpenSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>
    /// Finds the virtio-serial port by the name libvirt gave its channel target
    /// and opens its device once, for both directions: reopening a port per
    /// message loses data. virtio_console may still be probing when we start,
    /// so the port is waited for.
    /// </summary>
    private static Stream OpenPort(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var device = FindPort(name);
            if (device is not null)
            {
                var fd = SyscallException.Check(Interop.Sys.open(device, Interop.Sys.O_RDWR | Interop.Sys.O_CLOEXEC, 0), $"open {device}");
                return new FdStream(fd, fd, ownsFds: true);
            }
            if (DateTime.UtcNow > deadline)
                throw new IOException($"no virtio port named '{name}' under /sys/class/virtio-ports (is virtio_console loaded and the channel in the domain XML?)");
            Thread.Sleep(100);
        }
    }

    private static string? FindPort(string name)
    {
        const string ports = "/sys/class/virtio-ports";
        if (!Directory.Exists(ports)) return null;
        foreach (var port in Directory.EnumerateDirectories(ports))
        {
            var nameFile = Path.Combine(port, "name");
            if (File.Exists(nameFile) && File.ReadAllText(nameFile).Trim() == name)
            {
                var device = "/dev/" + Path.GetFileName(port);
                if (File.Exists(device)) return device;
            }
        }
        return null;
    }
}
