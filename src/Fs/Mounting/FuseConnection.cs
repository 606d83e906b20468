using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mounting;

/// <summary>
/// The kernel's control files for a FUSE connection (/sys/fs/fuse/connections/N, N being the minor
/// device number of the mount). Writing to `abort` ends a connection that a lazy unmount left alive
/// because some process still had a file open inside it, which wakes our serving threads.
/// </summary>
internal static class FuseConnection
{
    private const string ControlDirectory = "/sys/fs/fuse/connections";

    /// <summary>The connection number of the FUSE mount at <paramref name="mountpoint"/>, or null.</summary>
    public static unsafe uint? NumberOf(string mountpoint)
    {
        statx st;
        return StatxAt(AT_FDCWD, mountpoint, 0, STATX_BASIC_STATS, &st) == 0 ? st.stx_dev_minor : null;
    }

    /// <summary>Best effort: mounts fusectl if needed (root only) and aborts the connection.</summary>
    public static bool Abort(uint connection)
    {
        try
        {
            var abort = $"{ControlDirectory}/{connection}/abort";
            if (!File.Exists(abort) && GetEuid() == 0 && Directory.Exists(ControlDirectory))
            {
                Interop.Libc.Mount("fusectl", ControlDirectory, "fusectl", 0, "");
            }

            if (!File.Exists(abort)) return false;
            File.WriteAllText(abort, "1");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
