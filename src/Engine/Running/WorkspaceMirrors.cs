using Layer.Fs;

namespace Layer.Engine.Running;

/// <summary>
/// Read-tracked mirrors for Layerfiles that run at the same time. A mirror's tracker records one epoch at
/// a time, so two VMs on one mirror would mix their reads into each other's read sets: each running
/// Layerfile rents a mirror of its own (each its own FUSE mount) and gives it back when it is done.
/// Mirrors are pooled by the host folder they show: the workspace (the session's mirror is the first of
/// those), a fetched FROM github/... checkout, or the clone trees (CLONE).
/// </summary>
internal sealed class WorkspaceMirrors(BuildSession session) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Stack<MirrorMount>> _free = new(StringComparer.Ordinal);
    private readonly Dictionary<MirrorMount, string> _folderOf = [];
    private readonly List<MirrorMount> _extra = [];
    private bool _sessionMirrorRented;

    /// <summary>Whether machines get the clone share (some Layerfile of the build, or one it builds on, has CLONE).</summary>
    public bool CloneShare { get; init; }

    /// <summary>A mirror of the workspace (the repository the build runs in).</summary>
    public MirrorMount Rent() => Rent(session.RepositoryRoot, "workspace");

    /// <summary>A mirror of <paramref name="hostFolder"/>; <paramref name="what"/> names it in messages and in its mountpoint.</summary>
    public MirrorMount Rent(string hostFolder, string what)
    {
        var folder = Path.GetFullPath(hostFolder);
        lock (_lock)
        {
            if (_free.TryGetValue(folder, out var free) && free.TryPop(out var mirror)) return mirror;
            if (!_sessionMirrorRented && folder == Path.GetFullPath(session.RepositoryRoot))
            {
                _sessionMirrorRented = true;
                mirror = session.Mirror();
                _folderOf[mirror] = folder;
                return mirror;
            }

            var mountpoint = Path.Combine(session.Cache.Runs, "layer-" + session.Vm().RunId, $"{what}-{_extra.Count + 2}");
            session.Observer.Info($"mounting a read-tracked view of {folder} at {mountpoint}");
            mirror = session.MountMirror(folder, mountpoint);
            _extra.Add(mirror);
            _folderOf[mirror] = folder;
            return mirror;
        }
    }

    public void Return(MirrorMount mirror)
    {
        lock (_lock)
        {
            var folder = _folderOf[mirror];
            if (!_free.TryGetValue(folder, out var free)) _free[folder] = free = new Stack<MirrorMount>();
            free.Push(mirror);
        }
    }

    /// <summary>Unmounts the extra mirrors (the session unmounts its own). Call after every machine is gone.</summary>
    public void Dispose()
    {
        foreach (var mirror in _extra)
        {
            var mountpoint = mirror.Mountpoint;
            mirror.Dispose();
            try
            {
                Directory.Delete(mountpoint);
            }
            catch (IOException)
            {
                // Still busy: the next run's reaper clears it.
            }
        }
    }
}
