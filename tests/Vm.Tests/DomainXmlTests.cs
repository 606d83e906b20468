using System.Xml.Linq;
using System.Xml.XPath;
using Layer.Vm.Domains;

namespace Layer.Vm.Tests;

public sealed class DomainXmlTests
{
    private static DomainSpec Spec(string? workspace = null) => new()
    {
        Name = "layer-abc-1",
        DomainType = "qemu",
        MemoryMiB = 1536,
        VCpus = 2,
        KernelPath = "/var/lib/layer/images/i/vmlinuz",
        InitrdPath = "/var/lib/layer/images/i/initramfs.cpio",
        KernelCommandLine = "console=ttyS0",
        DiskPath = "/var/lib/layer/layers/x.qcow2",
        Shares = workspace is null ? [] : [new DomainShare(DomainXml.WorkspaceTag, workspace, null)],
        AgentSocketPath = "/var/lib/layer/runs/layer-abc/1-agent.sock",
        ConsoleLogPath = "/var/lib/layer/runs/layer-abc/1-console.log",
    };

    private static string? Value(XDocument xml, string xpath) => (xml.XPathEvaluate($"string({xpath})") as string) is { Length: > 0 } s ? s : null;

    [Fact]
    public void Describes_a_direct_kernel_boot_on_a_virtio_qcow2_disk()
    {
        var xml = XDocument.Parse(DomainXml.Build(Spec()));
        Assert.Equal("qemu", Value(xml, "/domain/@type"));
        Assert.Equal("layer-abc-1", Value(xml, "/domain/name"));
        Assert.Equal("1536", Value(xml, "/domain/memory"));
        Assert.Equal("MiB", Value(xml, "/domain/memory/@unit"));
        Assert.Equal("2", Value(xml, "/domain/vcpu"));
        Assert.Equal("/var/lib/layer/images/i/vmlinuz", Value(xml, "/domain/os/kernel"));
        Assert.Equal("/var/lib/layer/images/i/initramfs.cpio", Value(xml, "/domain/os/initrd"));
        Assert.Equal("console=ttyS0", Value(xml, "/domain/os/cmdline"));
        Assert.Equal("qcow2", Value(xml, "/domain/devices/disk/driver/@type"));
        Assert.Equal("/var/lib/layer/layers/x.qcow2", Value(xml, "/domain/devices/disk/source/@file"));
        Assert.Equal("virtio", Value(xml, "/domain/devices/disk/target/@bus"));
        Assert.Equal("destroy", Value(xml, "/domain/on_reboot"));
        Assert.NotNull(xml.XPathSelectElement("/domain/features/acpi"));
    }

    [Fact]
    public void Wires_the_agent_channel_the_console_file_and_user_networking()
    {
        var xml = XDocument.Parse(DomainXml.Build(Spec()));
        Assert.Equal("unix", Value(xml, "/domain/devices/channel/@type"));
        Assert.Equal("bind", Value(xml, "/domain/devices/channel/source/@mode"));
        Assert.Equal("/var/lib/layer/runs/layer-abc/1-agent.sock", Value(xml, "/domain/devices/channel/source/@path"));
        Assert.Equal("org.layer.agent", Value(xml, "/domain/devices/channel/target[@type='virtio']/@name"));
        Assert.Equal("/var/lib/layer/runs/layer-abc/1-console.log", Value(xml, "/domain/devices/serial[@type='file']/source/@path"));
        Assert.Equal("virtio", Value(xml, "/domain/devices/interface[@type='user']/model/@type"));
    }

    [Fact]
    public void Shares_the_workspace_read_only_over_9p_only_when_asked()
    {
        Assert.Null(XDocument.Parse(DomainXml.Build(Spec())).XPathSelectElement("/domain/devices/filesystem"));

        var xml = XDocument.Parse(DomainXml.Build(Spec(workspace: "/run/layer/mirror & co")));
        Assert.Equal("passthrough", Value(xml, "/domain/devices/filesystem/@accessmode"));
        Assert.Equal("/run/layer/mirror & co", Value(xml, "/domain/devices/filesystem/source/@dir"));
        Assert.Equal("workspace", Value(xml, "/domain/devices/filesystem/target/@dir"));
        Assert.NotNull(xml.XPathSelectElement("/domain/devices/filesystem/readonly"));
    }

    [Fact]
    public void Shares_extra_folders_read_only_each_under_its_own_tag()
    {
        var spec = Spec(workspace: "/run/layer/ws") with
        {
            Shares = [new DomainShare("workspace", "/run/layer/ws", null), new DomainShare("clones", "/run/layer/clones-2", null)],
        };
        var xml = XDocument.Parse(DomainXml.Build(spec));
        Assert.Equal(2, xml.XPathSelectElements("/domain/devices/filesystem").Count());
        Assert.Equal("/run/layer/ws", Value(xml, "/domain/devices/filesystem[target/@dir='workspace']/source/@dir"));
        Assert.Equal("/run/layer/clones-2", Value(xml, "/domain/devices/filesystem[target/@dir='clones']/source/@dir"));
        Assert.Equal("passthrough", Value(xml, "/domain/devices/filesystem[target/@dir='clones']/@accessmode"));
        Assert.NotNull(xml.XPathSelectElement("/domain/devices/filesystem[target/@dir='clones']/readonly"));
        Assert.Null(xml.XPathSelectElement("/domain/memoryBacking"));
    }

    [Fact]
    public void A_virtio_fs_share_names_its_daemons_socket_and_shares_the_guests_memory()
    {
        var spec = Spec() with { Shares = [new DomainShare("workspace", "/run/layer/ws", "/var/lib/layer/runs/layer-abc/1-virtiofsd-workspace.sock")] };
        var xml = XDocument.Parse(DomainXml.Build(spec));
        Assert.Equal("virtiofs", Value(xml, "/domain/devices/filesystem/driver/@type"));
        Assert.Equal("/var/lib/layer/runs/layer-abc/1-virtiofsd-workspace.sock", Value(xml, "/domain/devices/filesystem/source/@socket"));
        Assert.Equal("workspace", Value(xml, "/domain/devices/filesystem/target/@dir"));
        // vhost-user needs the guest's memory shared with the daemon.
        Assert.Equal("memfd", Value(xml, "/domain/memoryBacking/source/@type"));
        Assert.Equal("shared", Value(xml, "/domain/memoryBacking/access/@mode"));
    }

    [Fact]
    public void Attaches_a_cache_disk_only_when_asked_as_raw_with_its_serial_and_out_of_snapshots()
    {
        Assert.Single(XDocument.Parse(DomainXml.Build(Spec())).XPathSelectElements("/domain/devices/disk"));

        var xml = XDocument.Parse(DomainXml.Build(Spec() with { CacheDiskPath = "/var/lib/layer/caches/abc.img" }));
        Assert.Equal("/var/lib/layer/layers/x.qcow2", Value(xml, "/domain/devices/disk[target/@dev='vda']/source/@file"));
        Assert.Equal("/var/lib/layer/caches/abc.img", Value(xml, "/domain/devices/disk[target/@dev='vdb']/source/@file"));
        Assert.Equal("raw", Value(xml, "/domain/devices/disk[target/@dev='vdb']/driver/@type"));
        Assert.Equal("no", Value(xml, "/domain/devices/disk[target/@dev='vdb']/@snapshot"));
        Assert.Equal(DomainXml.CacheDiskSerial, Value(xml, "/domain/devices/disk[target/@dev='vdb']/serial"));
        Assert.Null(Value(xml, "/domain/devices/disk[target/@dev='vda']/@snapshot"));
    }

    [Fact]
    public void A_disk_only_snapshot_moves_vda_to_the_named_overlay()
    {
        var xml = XDocument.Parse(DomainXml.DiskOnlySnapshot("s1", "/var/lib/layer/layers/next.qcow2"));
        Assert.Equal("external", Value(xml, "/domainsnapshot/disks/disk[@name='vda']/@snapshot"));
        Assert.Equal("/var/lib/layer/layers/next.qcow2", Value(xml, "/domainsnapshot/disks/disk/source/@file"));
    }
}
