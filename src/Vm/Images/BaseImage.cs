namespace Layer.Vm.Images;

/// <summary>
/// A built base image: the kernel and initramfs it boots with and its root disk, in
/// <c>$LAYER_CACHE_DIR/images/ID/</c>. The id is a hash of the recipe and all its inputs, so a rebuilt
/// image never collides with layers taken on an older one.
/// </summary>
public sealed record BaseImage(string Name, string Id, string Folder)
{
    /// <summary>The uncompressed PVH kernel when the image has one (boots seconds faster under TCG), else the bzImage.</summary>
    public string KernelPath => File.Exists(Path.Combine(Folder, "vmlinux")) ? Path.Combine(Folder, "vmlinux") : Path.Combine(Folder, "vmlinuz");

    public string InitrdPath => Path.Combine(Folder, "initramfs.cpio");

    public string RootDiskPath => Path.Combine(Folder, "rootfs.qcow2");

    /// <summary>Whether the root disk carries the guest agent (images built before it existed do not).</summary>
    public bool HasAgent { get; init; } = true;
}
