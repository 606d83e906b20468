using Layer.Vm.Disks;
using Layer.Vm.Host;

namespace Layer.Vm.Images;

/// <summary>
/// Makes a root disk from a staging folder with <c>mkfs.ext4 -d</c> (no loop mount, no privileges beyond
/// reading the folder), then converts it to qcow2.
/// </summary>
internal static class Ext4Image
{
    public static void Create(string stagingFolder, string qcow2Path, string size)
    {
        var raw = qcow2Path + ".raw";
        try
        {
            // Inode tables and journal are zeroed now, not lazily by the guest kernel: lazy init would write
            // zeros into every overlay booted from this image. The zeros cost nothing once converted.
            HostCommand.Run("mkfs.ext4",
            [
                "-q", "-F", "-L", "layer-root", "-d", stagingFolder,
                "-E", "lazy_itable_init=0,lazy_journal_init=0", raw, size,
            ]);
            QemuImg.Convert(raw, "raw", qcow2Path);
        }
        finally
        {
            File.Delete(raw);
        }
    }
}
