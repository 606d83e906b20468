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

    /// <summary>
    /// A unix socket through libc rather than System.Net.Sockets: only tests use
    /// this link, and the managed socket stack would add to every image's binary.
    /// </summary>
    private static unsafe Stream OpenSocket(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path);
        var address = new Interop.Sys.SockaddrUn { sun_family = Interop.Sys.AF_UNIX };
        if (bytes.Length >= 108) throw new IOException($"socket path {path} is longer than 107 bytes");
        bytes.CopyTo(new Span<byte>(address.sun_path, 108));
        var fd = SyscallException.Check(Interop.Sys.socket(Interop.Sys.AF_UNIX, Interop.Sys.SOCK_STREAM | Interop.Sys.SOCK_CLOEXEC, 0), "socket");
        if (Interop.Sys.connect(fd, &address, (uint)sizeof(Interop.Sys.SockaddrUn)) != 0)
        {
            var error = new SyscallException(System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), $"connect {path}");
            Interop.Sys.close(fd);
            throw error;
        }
        return new FdStream(fd, fd, ownsFds: true);
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
