using Layer.Fs.Host;
using Layer.Fs.Native;

namespace Layer.Fs.Mirror;

/// <summary>A host file opened read-only for one kernel OPEN; reads go to it with pread.</summary>
internal sealed class OpenFile(FileDescriptor fd, string path) : IDisposable
{
    public FileDescriptor Fd { get; } = fd;

    /// <summary>Root-relative path at open time.</summary>
    public string Path { get; } = path;

    public void Dispose() => Fd.Dispose();
}

/// <summary>
/// A directory opened by OPENDIR, listed at its first READDIR: QEMU's 9p server opens the parent directory
/// for nearly every operation on a file (a dozen OPENDIRs per file read) and lists almost none of them.
/// Later READDIRs of the handle serve that one snapshot, so offsets stay stable.
/// </summary>
internal sealed class OpenDirectory(string path)
{
    private readonly Lock _gate = new();
    private List<HostDirEntry>? _entries;

    public string Path { get; } = path;

    /// <summary>The snapshot; null before the first <see cref="List"/>.</summary>
    public List<HostDirEntry>? Entries => Volatile.Read(ref _entries);

    /// <summary>Lists the directory the first time; returns 0 or an errno.</summary>
    public int List(HostRoot root, out List<HostDirEntry> entries)
    {
        lock (_gate)
        {
            if (_entries is null)
            {
                var error = root.TryReadDirectory(Path, out var listed);
                if (error != 0)
                {
                    entries = [];
                    return error;
                }

                Volatile.Write(ref _entries, listed);
            }

            entries = _entries;
            return 0;
        }
    }
}
