using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mounting;

/// <summary>
/// Whether users other than root, us and the allowed uid can reach a mountpoint by path at all.
/// The mirror refuses every request from other uids, but a kernel cache answers a stat without asking
/// the mirror, whoever asks: so the mirror lets the kernel cache entries and attributes only when some
/// folder above the mountpoint already keeps other users out (DESIGN.md: "keep the mountpoint's parent
/// closed to others"), and then a cached entry can leak nothing to them.
/// </summary>
internal static class MountReach
{
    /// <summary>True when a folder above <paramref name="mountpoint"/> (an absolute path) grants no search
    /// permission to "others" and belongs to root or to this process's user, so that only its owner and
    /// group get through; otherwise false, with the nearest folder that lets everyone through.</summary>
    public static unsafe bool ClosedToOthers(string mountpoint, out string openFolder)
    {
        var euid = GetEuid();
        openFolder = "/";
        for (var folder = Path.GetDirectoryName(Path.GetFullPath(mountpoint)); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            statx st;
            if (StatxAt(AT_FDCWD, folder, 0, STATX_BASIC_STATS, &st) != 0) continue;
            var othersSearch = (st.stx_mode & 0x1) != 0;
            if (!othersSearch && (st.stx_uid == 0 || st.stx_uid == euid)) return true;
            if (openFolder == "/") openFolder = folder;
        }

        return false;
    }
}
