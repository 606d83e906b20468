using System.Runtime.InteropServices;

namespace Layer.Testing;

/// <summary>
/// A fact that needs something real from the host: root, /dev/fuse, libvirt.
/// Outside CI it skips with the reason when the host lacks it; in CI (CI=true)
/// it never skips, so a missing prerequisite fails loudly instead of hiding.
/// </summary>
public sealed class HostFactAttribute : FactAttribute
{
    public HostFactAttribute(params Needs[] needs)
    {
        if (IsCi) return;
        foreach (var need in needs)
        {
            var missing = HostNeeds.Missing(need);
            if (missing is not null)
            {
                Skip = missing;
                return;
            }
        }
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The same rule for theories.</summary>
public sealed class HostTheoryAttribute : TheoryAttribute
{
    public HostTheoryAttribute(params Needs[] needs)
    {
        if (HostFactAttribute.IsCi) return;
        foreach (var need in needs)
        {
            var missing = HostNeeds.Missing(need);
            if (missing is not null)
            {
                Skip = missing;
                return;
            }
        }
    }
}

public enum Needs
{
    Root,
    Fuse,
    Libvirt,
}

public static class HostNeeds
{
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    public static string? Missing(Needs need) => need switch
    {
        Needs.Root => GetEuid() == 0 ? null : "needs root (run the tests as root, as CI does)",
        Needs.Fuse => File.Exists("/dev/fuse") ? null : "needs /dev/fuse",
        Needs.Libvirt => File.Exists("/run/libvirt/libvirt-sock") ? null : "needs a running libvirtd (run scripts/host-setup)",
        _ => throw new ArgumentOutOfRangeException(nameof(need)),
    };
}
