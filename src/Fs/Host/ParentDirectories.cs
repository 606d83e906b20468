using System.Collections.Concurrent;
using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Host;

/// <summary>
/// Confined fds of the folders a burst of stats goes through (one validation), so each file costs one
/// statx of a single name in its folder instead of openat2, fstat and close. The folder itself is opened
/// through <see cref="HostRoot.TryOpen"/> (beneath the root, no symlink followed), and a single name with
/// AT_SYMLINK_NOFOLLOW follows nothing either: the same view of the host as <see cref="HostRoot.TryStat(string, out statx)"/>.
/// </summary>
internal sealed class ParentDirectories(HostRoot root) : IDisposable
{
    private readonly ConcurrentDictionary<string, FileDescriptor> _open = new(StringComparer.Ordinal);

    /// <summary>lstat of a root-relative path; 0 or an errno, exactly as <see cref="HostRoot.TryStat(string, out statx)"/> answers.</summary>
    public unsafe int TryStat(string relativePath, out statx st)
    {
        var slash = relativePath.LastIndexOf('/');
        var folder = slash < 0 ? "" : relativePath[..slash];
        var name = relativePath[(slash + 1)..];
        if (name is "" or "." or ".." || Folder(folder) is not { } fd)
        {
            // The root itself, an odd name, or a folder that cannot be opened: the full path's own
            // resolution gives the exact errno (ELOOP through a symlink, ENOTDIR, ENOENT...).
            return root.TryStat(relativePath, out st);
        }

        statx s;
        var result = Statx(fd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &s);
        st = s;
        return result == 0 ? 0 : Io.LastErrno;
    }

    private FileDescriptor? Folder(string folder)
    {
        if (_open.TryGetValue(folder, out var known)) return known;
        if (root.TryOpen(folder, O_PATH | O_DIRECTORY, out var fd) != 0)
        {
            fd.Dispose();
            return null;
        }

        if (_open.TryAdd(folder, fd)) return fd;
        fd.Dispose();   // another thread opened it meanwhile
        return _open[folder];
    }

    public void Dispose()
    {
        foreach (var fd in _open.Values) fd.Dispose();
        _open.Clear();
    }
}
