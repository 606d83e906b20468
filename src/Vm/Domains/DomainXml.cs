using System.Xml.Linq;

namespace Layer.Vm.Domains;

/// <summary>
/// Turns a <see cref="DomainSpec"/> into libvirt domain XML (https://libvirt.org/formatdomain.html),
/// and builds the disk-only snapshot XML. Generated with XElement so every value is escaped.
/// </summary>
internal static class DomainXml
{
    /// <summary>Mount tag of the workspace share; the guest init mounts exactly this tag.</summary>
    public const string WorkspaceTag = "workspace";

    /// <summary>virtio-serial port name the agent looks for under /sys/class/virtio-ports.</summary>
    public const string AgentPortName = "org.layer.agent";

    /// <summary>The guest sees its root disk as /dev/vda.</summary>
    public const string DiskTarget = "vda";

    /// <summary>Serial of the cache disk: the guest finds it as the vdX whose /sys/block/vdX/serial says this.</summary>
    public const string CacheDiskSerial = "layer-cache";

    public static string Build(DomainSpec spec)
    {
        var devices = new XElement("devices");
        if (spec.DiskPath is not null)
        {
            devices.Add(new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "qcow2"),
                    new XAttribute("cache", "writeback"), new XAttribute("discard", "unmap")),
                new XElement("source", new XAttribute("file", spec.DiskPath)),
                new XElement("target", new XAttribute("dev", DiskTarget), new XAttribute("bus", "virtio"))));
        }

        if (spec.CacheDiskPath is not null)
        {
            // snapshot='no': disk-only snapshots (which list only the root disk) leave it alone, so a layer
            // never holds cache contents and the file is never turned into an overlay chain.
            devices.Add(new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"), new XAttribute("snapshot", "no"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw"),
                    new XAttribute("cache", "writeback"), new XAttribute("discard", "unmap")),
                new XElement("source", new XAttribute("file", spec.CacheDiskPath)),
                new XElement("target", new XAttribute("dev", "vdb"), new XAttribute("bus", "virtio")),
                new XElement("serial", CacheDiskSerial)));
        }

        foreach (var share in spec.Shares)
        {
            devices.Add(share.VirtioFsSocket is { } socket
                // virtio-fs from a virtiofsd of ours (VirtioFsDaemon); read-only is the mirror's to enforce.
                ? new XElement("filesystem", new XAttribute("type", "mount"),
                    new XElement("driver", new XAttribute("type", "virtiofs"), new XAttribute("queue", "1024")),
                    new XElement("source", new XAttribute("socket", socket)),
                    new XElement("target", new XAttribute("dir", share.Tag)))
                // 9p, passthrough: QEMU opens host files as its own user, which the FUSE mirror allows.
                : new XElement("filesystem", new XAttribute("type", "mount"), new XAttribute("accessmode", "passthrough"),
                    new XElement("source", new XAttribute("dir", share.HostFolder)),
                    new XElement("target", new XAttribute("dir", share.Tag)),
                    new XElement("readonly")));
        }

        devices.Add(
            new XElement("channel", new XAttribute("type", "unix"),
                new XElement("source", new XAttribute("mode", "bind"), new XAttribute("path", spec.AgentSocketPath)),
                new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", AgentPortName))),
            new XElement("serial", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", spec.ConsoleLogPath)),
                new XElement("target", new XAttribute("port", "0"))),
            // User-mode networking: no host bridge or root-only setup, and steps can still fetch packages.
            new XElement("interface", new XAttribute("type", "user"),
                new XElement("model", new XAttribute("type", "virtio"))),
            new XElement("memballoon", new XAttribute("model", "none")));

        var domain = new XElement("domain", new XAttribute("type", spec.DomainType),
            new XElement("name", spec.Name),
            new XElement("memory", new XAttribute("unit", "MiB"), spec.MemoryMiB),
            // vhost-user devices (virtiofsd) map the guest's memory: it must be shared memory.
            spec.Shares.Any(s => s.VirtioFsSocket is not null)
                ? new XElement("memoryBacking", new XElement("source", new XAttribute("type", "memfd")), new XElement("access", new XAttribute("mode", "shared")))
                : null,
            new XElement("vcpu", spec.VCpus),
            new XElement("os",
                new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", "pc"), "hvm"),
                new XElement("kernel", spec.KernelPath),
                new XElement("initrd", spec.InitrdPath),
                new XElement("cmdline", spec.KernelCommandLine)),
            // Without ACPI the guest can only halt, never power off, and the domain would linger.
            new XElement("features", new XElement("acpi"), new XElement("apic")),
            spec.DomainType == "kvm" ? new XElement("cpu", new XAttribute("mode", "host-passthrough")) : null,
            // Any way the guest stops ends the transient domain, so a dead guest is noticed at once.
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "destroy"),
            new XElement("on_crash", "destroy"),
            devices);

        return domain.ToString();
    }

    /// <summary>Snapshot XML that moves the root disk onto <paramref name="newOverlayPath"/>.</summary>
    public static string DiskOnlySnapshot(string name, string newOverlayPath) =>
        new XElement("domainsnapshot",
            new XElement("name", name),
            new XElement("disks",
                new XElement("disk", new XAttribute("name", DiskTarget), new XAttribute("snapshot", "external"),
                    new XElement("driver", new XAttribute("type", "qcow2")),
                    new XElement("source", new XAttribute("file", newOverlayPath))))).ToString();
}
