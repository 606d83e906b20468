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
        var name = relativePath.AsSpan(slash + 1);
        if (name is "" or "." or ".." || name.Length > NameMax || Folder(relativePath, Math.Max(slash, 0)) is not { } fd)
        {
            // The root itself, an odd or overlong name, or a folder that cannot be opened: the full path's
            // own resolution gives the exact errno (ELOOP through a symlink, ENOTDIR, ENAMETOOLONG...).
            return root.TryStat(relativePath, out st);
        }

        // The name as the string marshaller would pass it (UTF-8, NUL-terminated), without a string or
        // a marshalling stub per file; the fd stays open until Dispose, after every stat.
        var utf8 = stackalloc byte[NameMax * 3 + 1];
        var length = System.Text.Encoding.UTF8.GetBytes(name, new Span<byte>(utf8, NameMax * 3));
        utf8[length] = 0;
        statx s;
        var result = StatxAt((int)fd.DangerousGetHandle(), utf8, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &s);
        st = s;
        return result == 0 ? 0 : Io.LastErrno;
    }

    /// <summary>Linux's NAME_MAX: a longer name is refused by the kernel (and handed to the slow path here).</summary>
    private const int NameMax = 255;

    // Read sets are sorted by path and each thread checks a run of them: most files are in the folder
    // the thread's previous file was in, which this answers without hashing the folder's name.
    [ThreadStatic]
    private static (ParentDirectories? Owner, string Folder, FileDescriptor? Fd) _last;

    /// <summary>The folder that is the first <paramref name="length"/> characters of <paramref name="path"/>.</summary>
    private FileDescriptor? Folder(string path, int length)
    {
        var last = _last;
        if (ReferenceEquals(last.Owner, this) && last.Folder.AsSpan().SequenceEqual(path.AsSpan(0, length))) return last.Fd;
        var folder = path[..length];
        var fd = Open(folder);
        _last = fd is null ? default : (this, folder, fd);
        return fd;
    }

    private FileDescriptor? Open(string folder)
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
