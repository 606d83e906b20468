namespace Layer.Vm.Host;

/// <summary>
/// Where images, layers and per-run files live. QEMU runs as libvirt-qemu and must open the kernels, disks
/// and sockets here, so for root the default is /var/lib/layer (like /var/lib/docker), not a home folder.
/// <code>
/// $LAYER_CACHE_DIR/
///   domain-type                      "qemu" or "kvm", decided once by KvmProbe
///   agent/HASH/layer-agent           the published guest agent (AgentBinary)
///   images/ID/                       a base image: vmlinux (PVH) + vmlinuz, initramfs.cpio, rootfs.qcow2, image.json
///   images/.debootstrap-HASH.tar     debootstrap result, reused when only the agent or kernel changed
///   layers/ID.qcow2 + ID.json        a committed snapshot layer (immutable; backing file = parent layer or rootfs)
///   layers/ID.qcow2 alone            an overlay a machine is writing now
///   layers/ID.flat                   id of the flattened copy of a layer deeper than LayerStore.MaxDepth
///   runs/layer-RUN/                  one `layer` process: owner (pid), N-agent.sock, N-console.log, overlays/ID markers
/// </code>
/// </summary>
public sealed class CacheDirectory
{
    public const string Variable = "LAYER_CACHE_DIR";

    public CacheDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Base images: one folder per image id holding vmlinuz, initramfs, rootfs.qcow2 and image.json.</summary>
    public string Images => Path.Combine(Root, "images");

    /// <summary>Immutable snapshot layers (qcow2 files named by id) and the overlays machines write now.</summary>
    public string Layers => Path.Combine(Root, "layers");

    /// <summary>One folder per running `layer` process: sockets, console logs, the owner's pid.</summary>
    public string Runs => Path.Combine(Root, "runs");

    /// <summary>LAYER_CACHE_DIR, else /var/lib/layer for root, else ~/.cache/layer.</summary>
    public static CacheDirectory Default()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return new CacheDirectory(fromEnvironment);
        if (Interop.Libc.geteuid() == 0) return new CacheDirectory("/var/lib/layer");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new CacheDirectory(Path.Combine(home, ".cache", "layer"));
    }

    /// <summary>Creates the folders, world-searchable so the QEMU user can reach what it must open.</summary>
    internal void EnsureCreated()
    {
        foreach (var folder in new[] { Root, Images, Layers, Runs })
        {
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, ReachableByQemu);
        }
    }

    internal const UnixFileMode ReachableByQemu =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
}
