using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Tracking;

/// <summary>
/// What tells that a file's bytes may have changed without reading them: device, inode, size,
/// mtime and ctime to the nanosecond. Used to detect changes while a file is open, and as the key
/// of an optional content-hash cache for validation.
/// </summary>
public readonly record struct FileStamp(ulong Device, ulong Inode, long Size, long MtimeNs, long CtimeNs)
{
    /// <summary>The stamp of the file at an absolute host path (symlinks followed), or null when it cannot be stat'ed.</summary>
    public static unsafe FileStamp? Read(string path)
    {
        statx st;
        return StatxAt(AT_FDCWD, path, 0, STATX_BASIC_STATS, &st) == 0 ? Of(in st) : null;
    }

    /// <summary>
    /// Whether the file's mtime and ctime are both before <paramref name="moment"/>: a hash taken after that
    /// can be trusted for as long as the stamp holds (a write within the timestamps' granularity of the hash
    /// could otherwise leave the stamp as it was: git's "racy" entries).
    /// </summary>
    public bool IsOlderThan(DateTime moment) => Math.Max(MtimeNs, CtimeNs) < (moment - DateTime.UnixEpoch).Ticks * 100;

    internal static FileStamp Of(in statx st) => new(
        ((ulong)st.stx_dev_major << 32) | st.stx_dev_minor,
        st.stx_ino,
        (long)st.stx_size,
        st.stx_mtime.tv_sec * 1_000_000_000 + st.stx_mtime.tv_nsec,
        st.stx_ctime.tv_sec * 1_000_000_000 + st.stx_ctime.tv_nsec);
}
