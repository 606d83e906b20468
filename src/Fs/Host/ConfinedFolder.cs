using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Layer.Fs.Native;
using Microsoft.Win32.SafeHandles;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Host;

/// <summary>
/// A folder that untrusted content is written into (ARTIFACT: what build code packed in a guest), with nothing
/// reaching outside it. Every write goes through the folder's directory fd: a parent is resolved by openat2 with
/// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, and the last name is made in that parent's fd by mkdirat,
/// openat2(O_CREAT | O_EXCL | O_NOFOLLOW) or symlinkat, after unlinkat of whatever stood there. So no link is
/// followed while writing, and no path is checked and then opened again. Paths are relative to the folder,
/// '/'-separated, without empty, "." or ".." names.
/// <para>Links are written as they come, and judged by where they resolve on the host: see
/// <see cref="RemoveEscapingLinks"/>, which must run after the last write.</para>
/// </summary>
public sealed class ConfinedFolder : IDisposable
{
    private const ulong NoLinks = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

    /// <summary>How often a name is made again after something else took its place in between.</summary>
    private const int Attempts = 5;

    /// <summary>Every folder opened in this process (full paths), whether or not it is still being written.</summary>
    private static readonly ConcurrentDictionary<string, byte> Opened = new(StringComparer.Ordinal);

    private readonly HostRoot _base;
    private readonly HostRoot _root;

    /// <summary>The first folder of this one's path, with the base's path before it: where sweeps start.</summary>
    private readonly string _top;

    private ConfinedFolder(HostRoot @base, HostRoot root, string top, string path)
    {
        _base = @base;
        _root = root;
        _top = top;
        Path = path;
    }

    /// <summary>The folder's full host path, for messages (nothing is reached through it).</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="folder"/> under <paramref name="baseFolder"/>, making each of its folders in turn
    /// from the base's fd. The base is the user's choice and is taken as it is; below it a link or a file
    /// standing where one of the folders goes is replaced by a folder, never followed: a folder nested in
    /// another written folder (<c>web/sub</c> in <c>web</c>) cannot be redirected by what was written there.
    /// </summary>
    public static ConfinedFolder Open(string baseFolder, string folder)
    {
        var names = Names(folder);
        Directory.CreateDirectory(baseFolder);
        var @base = HostRoot.Open(baseFolder);
        try
        {
            FileDescriptor? current = null;
            var where = System.IO.Path.TrimEndingDirectorySeparator(@base.Path);
            var top = where + "/" + names[0];
            foreach (var name in names)
            {
                where += "/" + name;
                var next = Folder(current ?? @base.Fd, name, replaceLink: true, where)!;
                current?.Dispose();
                current = next;
            }

            using (current)
            {
                var root = Adopt(current!);
                Opened.TryAdd(where, 0);
                return new ConfinedFolder(@base, root, top, where);
            }
        }
        catch
        {
            @base.Dispose();
            throw;
        }
    }

    /// <summary>Makes a folder (what stands there is replaced unless it is a folder). False: a link stands on the way.</summary>
    public bool CreateFolder(string path)
    {
        using var parent = Parent(path, out var name);
        if (parent is null) return false;
        Folder(parent, name, replaceLink: true, Where(path))!.Dispose();
        return true;
    }

    /// <summary>
    /// Writes a new file with the content and the permission bits of <paramref name="mode"/> (set-uid, set-gid
    /// and sticky bits are dropped), replacing what stands there. False: a link stands on the way.
    /// </summary>
    public bool WriteFile(string path, Stream content, UnixFileMode mode)
    {
        using var parent = Parent(path, out var name);
        if (parent is null) return false;
        for (var attempt = 1; ; attempt++)
        {
            RemoveAt(parent, name, Where(path));
            var fd = OpenAt2(parent, name, (ulong)(O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC), NoLinks);
            if (fd < 0)
            {
                if (Io.LastErrno == Errno.EEXIST && attempt < Attempts) continue;
                throw Io.Error(Io.LastErrno, $"create {Where(path)}");
            }

            using var file = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
            if (FChmod(file.SafeFileHandle, (int)mode & 0x1FF) != 0) throw Io.Error(Io.LastErrno, $"chmod {Where(path)}");
            content.CopyTo(file);
            return true;
        }
    }

    /// <summary>Makes a symbolic link, replacing what stands there. False: a link stands on the way.</summary>
    public bool CreateLink(string path, string target)
    {
        using var parent = Parent(path, out var name);
        if (parent is null) return false;
        for (var attempt = 1; ; attempt++)
        {
            RemoveAt(parent, name, Where(path));
            if (SymlinkAt(target, parent, name) == 0) return true;
            if (Io.LastErrno != Errno.EEXIST || attempt == Attempts) throw Io.Error(Io.LastErrno, $"symlink {Where(path)}");
        }
    }

    /// <summary>Opens a regular file for reading, reached without a link; null when there is none (O_NONBLOCK: a fifo does not hang the open).</summary>
    public Stream? OpenFile(string path)
    {
        Names(path);
        var fd = OpenAt2(_root.Fd, path, (ulong)(O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), NoLinks);
        if (fd < 0) return null;
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FStat(handle, out var st) != 0 || (st.stx_mode & S_IFMT) != S_IFREG)
        {
            handle.Dispose();
            return null;
        }

        return new FileStream(handle, FileAccess.Read, bufferSize: 0);
    }

    /// <summary>Removes what stands at the path (a link itself, a folder with all inside). False: a link stands on the way.</summary>
    public bool Remove(string path)
    {
        using var parent = Parent(path, out var name);
        if (parent is null) return false;
        RemoveAt(parent, name, Where(path));
        return true;
    }

    /// <summary>
    /// Removes every link that resolves outside its folder, and returns them. A link is judged by the host:
    /// openat2(folder, its path, O_PATH, RESOLVE_BENEATH) follows it, and any link met on the way, exactly as a
    /// reader would, and fails with EXDEV as soon as the walk leaves the folder (by ".." or an absolute name)
    /// or ELOOP when it is too long to judge. A link that dangles (the walk stops at a missing name before
    /// leaving) stays. Links met inside the folder of another <see cref="Open"/> of this process are judged by
    /// that folder, the innermost one; the sweep covers the whole first folder of this one's path (<c>web</c>
    /// for <c>web/sub</c>).
    /// <para>Why the state after the last sweep is safe. A link's walk reads only folders inside the folder it
    /// is judged by (RESOLVE_BENEATH refuses even a passing step outside), so only writes inside that folder
    /// can change where it resolves. Writes come from the <see cref="Open"/>s whose paths share a first
    /// folder with it: each writes beneath its own folder (or makes that folder's parents, inside the first
    /// folder) and, by contract, sweeps the whole first folder after its last write, with every folder opened
    /// so far known. Take the sweep that started last among them: every write and every Open came before it
    /// started, and during it only link removals happen, which can leave a walk dangling but never lead it
    /// further. So it sees the final tree and judges every link in it, each by its innermost folder. Writing
    /// never follows a link, so links only matter to readers after the extraction (a CI uploading the folder),
    /// and for them every link in a folder resolves beneath that folder or nowhere. Opens in another process
    /// are not known here: a link in a nested folder is then still held within the first folder.</para>
    /// </summary>
    public IReadOnlyList<RemovedLink> RemoveEscapingLinks()
    {
        var removed = new List<RemovedLink>();
        var fd = OpenAt2(_base.Fd, _top[(_top.LastIndexOf('/') + 1)..], (ulong)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), NoLinks);
        if (fd < 0) throw Io.Error(Io.LastErrno, $"open folder {_top}");
        using var top = new FileDescriptor(fd);
        Sweep(top, _top, (top, ""), removed);
        return removed;
    }

    private static void Sweep(FileDescriptor folder, string full, (FileDescriptor Fd, string Path) judge, List<RemovedLink> removed)
    {
        if (Opened.ContainsKey(full)) judge = (folder, "");
        foreach (var entry in Entries(folder, full))
        {
            if (entry.IsDotOrDotDot || Name(entry) is not { } name) continue;
            var path = judge.Path.Length == 0 ? name : judge.Path + "/" + name;
            if (entry.DType == HostDirEntry.DT_DIR)
            {
                var fd = OpenAt2(folder, name, (ulong)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), NoLinks);
                if (fd < 0) continue; // replaced meanwhile: whoever replaced it sweeps after
                using var child = new FileDescriptor(fd);
                Sweep(child, full + "/" + name, (judge.Fd, path), removed);
            }
            else if (entry.DType == HostDirEntry.DT_LNK && !StaysBeneath(judge.Fd, path))
            {
                var target = ReadLink(folder, name);
                if (UnlinkAt(folder, name, 0) == 0) removed.Add(new RemovedLink(full + "/" + name, target));
            }
        }
    }

    private static bool StaysBeneath(FileDescriptor folder, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var fd = OpenAt2(folder, path, (ulong)(O_PATH | O_CLOEXEC), RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
            if (fd >= 0)
            {
                Close(fd);
                return true;
            }

            var error = Io.LastErrno;
            // EAGAIN: a rename somewhere on the host raced RESOLVE_BENEATH's ".." check; walk again.
            if (error == Errno.EAGAIN && attempt < 10) continue;
            return error is Errno.ENOENT or Errno.ENOTDIR;
        }
    }

    /// <summary>The folder fd of a path's parent, its folders made as needed; null when a link stands on the way.</summary>
    private FileDescriptor? Parent(string path, out string name)
    {
        var names = Names(path);
        name = names[^1];
        var slash = path.LastIndexOf('/');
        var fd = OpenAt2(_root.Fd, slash < 0 ? "." : path[..slash], (ulong)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), NoLinks);
        if (fd >= 0) return new FileDescriptor(fd);
        if (slash < 0) throw Io.Error(Io.LastErrno, $"open folder {Path}");
        FileDescriptor? current = null;
        var where = Path;
        try
        {
            foreach (var folder in names[..^1])
            {
                where += "/" + folder;
                var next = Folder(current ?? _root.Fd, folder, replaceLink: false, where);
                current?.Dispose();
                current = next;
                if (current is null) return null;
            }

            return current;
        }
        catch
        {
            current?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the folder <paramref name="name"/> in <paramref name="parent"/>, made when missing; a file there is
    /// replaced; a link is replaced too when <paramref name="replaceLink"/>, otherwise the answer is null.
    /// </summary>
    private static FileDescriptor? Folder(SafeHandle parent, string name, bool replaceLink, string where)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Opened as whatever it is (O_PATH | O_NOFOLLOW opens a link as itself), then told apart by its own
            // fd: with O_DIRECTORY a link and a file would fail alike, with ENOTDIR.
            var fd = OpenAt2(parent, name, (ulong)(O_PATH | O_NOFOLLOW | O_CLOEXEC), NoLinks);
            int error;
            if (fd >= 0)
            {
                var opened = new FileDescriptor(fd);
                if (FStat(opened, out var st) != 0)
                {
                    opened.Dispose();
                    throw Io.Error(Io.LastErrno, $"stat {where}");
                }

                var type = st.stx_mode & S_IFMT;
                if (type == S_IFDIR) return opened;
                opened.Dispose();
                if (type == S_IFLNK && !replaceLink) return null;
                error = type == S_IFLNK ? Errno.ELOOP : Errno.ENOTDIR;
            }
            else
            {
                error = Io.LastErrno;
            }

            if (attempt == Attempts || error is not (Errno.ENOENT or Errno.ELOOP or Errno.ENOTDIR)) throw Io.Error(error, $"open folder {where}");
            if (error == Errno.ENOENT)
            {
                if (MkdirAt(parent, name, 0x1FF) != 0 && Io.LastErrno != Errno.EEXIST) throw Io.Error(Io.LastErrno, $"mkdir {where}");
            }
            else
            {
                RemoveAt(parent, name, where);
            }
        }
    }

    /// <summary>Removes the name in the folder: a file or link itself, a folder with everything in it, never following a link.</summary>
    private static void RemoveAt(SafeHandle parent, string name, string where)
    {
        if (UnlinkAt(parent, name, 0) == 0 || Io.LastErrno == Errno.ENOENT) return;
        if (Io.LastErrno != Errno.EISDIR) throw Io.Error(Io.LastErrno, $"unlink {where}");
        for (var attempt = 1; ; attempt++)
        {
            var fd = OpenAt2(parent, name, (ulong)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), NoLinks);
            if (fd < 0)
            {
                if (Io.LastErrno == Errno.ENOENT) return;
                throw Io.Error(Io.LastErrno, $"open folder {where}");
            }

            using (var folder = new FileDescriptor(fd))
            {
                foreach (var entry in Entries(folder, where))
                {
                    if (!entry.IsDotOrDotDot && Name(entry) is { } inside) RemoveAt(folder, inside, where + "/" + inside);
                }
            }

            if (UnlinkAt(parent, name, AT_REMOVEDIR) == 0 || Io.LastErrno == Errno.ENOENT) return;
            // ENOTEMPTY: something was written into it meanwhile.
            if (Io.LastErrno != Errno.ENOTEMPTY || attempt == Attempts) throw Io.Error(Io.LastErrno, $"rmdir {where}");
        }
    }

    private static List<HostDirEntry> Entries(FileDescriptor folder, string where)
    {
        using var listing = Adopt(folder);
        var error = listing.TryReadDirectory("", out var entries);
        if (error != 0) throw Io.Error(error, $"list {where}");
        return entries;
    }

    /// <summary>
    /// A <see cref="HostRoot"/> on the very folder an fd holds: /proc/self/fd/N is a magic link to the open
    /// folder itself, not to its path, so nothing is resolved again.
    /// </summary>
    private static HostRoot Adopt(SafeHandle fd) => HostRoot.Open($"/proc/self/fd/{(int)fd.DangerousGetHandle()}");

    /// <summary>
    /// A listed name as a string, or null when it is not UTF-8: names are written from strings, so such a name
    /// was not written through this class, and a string could not reach it.
    /// </summary>
    private static string? Name(HostDirEntry entry)
    {
        var name = Encoding.UTF8.GetString(entry.Name);
        return Encoding.UTF8.GetByteCount(name) == entry.Name.Length && Encoding.UTF8.GetBytes(name).AsSpan().SequenceEqual(entry.Name) ? name : null;
    }

    private static unsafe string ReadLink(SafeHandle folder, string name)
    {
        var buffer = stackalloc byte[4096];
        var n = ReadLinkAt(folder, name, buffer, 4096);
        return n < 0 ? "" : Encoding.UTF8.GetString(buffer, (int)n);
    }

    private static string[] Names(string path)
    {
        var names = path.Split('/');
        if (names.Any(n => n is "" or "." or ".." || n.Contains('\0'))) throw new ArgumentException($"not a plain relative path: {path}", nameof(path));
        return names;
    }

    private string Where(string path) => Path + "/" + path;

    public void Dispose()
    {
        _root.Dispose();
        _base.Dispose();
    }
}

/// <summary>A link <see cref="ConfinedFolder.RemoveEscapingLinks"/> removed: its full host path and its target.</summary>
public sealed record RemovedLink(string Path, string Target);
