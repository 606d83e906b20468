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

/// <summary>A directory listed once at OPENDIR; READDIR serves this snapshot, so offsets stay stable.</summary>
internal sealed class OpenDirectory(string path, List<HostDirEntry> entries)
{
    public string Path { get; } = path;

    public List<HostDirEntry> Entries { get; } = entries;
}
