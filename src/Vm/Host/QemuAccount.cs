namespace Layer.Vm.Host;

/// <summary>
/// The account libvirt runs QEMU as (Debian: libvirt-qemu, primary group kvm), read from /etc/passwd.
/// The workspace mirror lets this uid in; run folders are opened to this group.
/// </summary>
public sealed record QemuAccount(uint Uid, uint Gid)
{
    private static readonly Lazy<QemuAccount?> Found = new(Read);

    /// <summary>The account, or null on a host without one (libvirt not installed, or another name).</summary>
    public static QemuAccount? Find() => Found.Value;

    private static QemuAccount? Read()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 3 && fields[0] is "libvirt-qemu" or "qemu" &&
                    uint.TryParse(fields[2], out var uid) && uint.TryParse(fields[3], out var gid))
                {
                    return new QemuAccount(uid, gid);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
