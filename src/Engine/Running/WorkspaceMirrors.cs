using Layer.Fs;

namespace Layer.Engine.Running;

/// <summary>
/// Workspace mirrors for Layerfiles that run at the same time. A mirror's tracker records one epoch at
/// a time, so two VMs on one mirror would mix their reads into each other's read sets: each running
/// Layerfile rents a mirror of its own (each its own FUSE mount) and gives it back when it is done.
/// The session's mirror is the first; the others are mounted on demand beside it.
/// </summary>
internal sealed class WorkspaceMirrors(BuildSession session) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stack<MirrorMount> _free = new();
    private readonly List<MirrorMount> _extra = [];
    private bool _sessionMirrorRented;

    public MirrorMount Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out var mirror)) return mirror;
            if (!_sessionMirrorRented)
            {
                _sessionMirrorRented = true;
                return session.Mirror();
            }

            var mountpoint = Path.Combine(session.Cache.Runs, "layer-" + session.Vm().RunId, $"workspace-{_extra.Count + 2}");
            session.Observer.Info($"mounting another view of the workspace (read-tracked) at {mountpoint} for a Layerfile running alongside");
            mirror = MirrorMount.Mount(new MirrorOptions
            {
                HostRoot = session.RepositoryRoot,
                Mountpoint = mountpoint,
                AllowedUid = Layer.Vm.Host.QemuAccount.Find()?.Uid,
                Log = message => session.Observer.Info("fs: " + message),
            });
            _extra.Add(mirror);
            return mirror;
        }
    }

    public void Return(MirrorMount mirror)
    {
        lock (_lock) _free.Push(mirror);
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
