using Layer.Vm.Host;

namespace Layer.Vm.Tests;

/// <summary>
/// The cache the VM tests share: a stable folder under /var/lib (reachable by libvirt-qemu, unlike /tmp
/// folders of 0700 or /root), so the busybox image is built once and reused across test runs; its id
/// changes whenever an input changes, so a stale image is never used.
/// </summary>
internal static class VmTestCache
{
    public const string Root = "/var/lib/layer-test";

    public static CacheDirectory Open() => new(Root);
}
