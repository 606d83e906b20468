namespace Layer.Guest.Tests;

/// <summary>
/// A fact that boots a throwaway QEMU (TCG) guest: needs qemu-system-x86_64, a
/// Debian kernel with its modules under /boot and /lib/modules, busybox-static
/// and cpio (all from scripts/host-setup). Like HostFact it skips outside CI
/// when they are missing and never skips in CI.
/// </summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (HostFactAttribute.IsCi) return;
        var missing = new[] { "/usr/bin/qemu-system-x86_64", "/bin/busybox", "/usr/bin/cpio" }.FirstOrDefault(p => !File.Exists(p));
        if (missing is not null) Skip = $"needs {missing} (run scripts/host-setup)";
        else if (TinyVm.FindKernel() is null) Skip = "needs a kernel in /boot with modules in /lib/modules (linux-image-amd64)";
    }
}
