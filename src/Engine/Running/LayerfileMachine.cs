using Layer.Vm.Disks;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// A machine booted for a Layerfile with what its steps see: the workspace (a mirror the caller holds),
/// the clone share with the recorded CLONE overlays put back when the build shares clone trees, and the
/// Layerfile's cache disk when it has CACHE folders. The machine that runs the steps, `layer shell`'s
/// and the one that copies artifacts or serves EXPOSE all boot through here. Dispose destroys the machine,
/// then gives back the clone share and the cache disk (never before the machine is gone).
/// </summary>
internal sealed class LayerfileMachine : IDisposable
{
    private LayerfileMachine(Machine machine, CloneMounts? clones, CacheDiskLease? cacheDisk)
    {
        Machine = machine;
        Clones = clones;
        CacheDisk = cacheDisk;
        Caches = new GuestCacheMounts(machine);
    }

    public Machine Machine { get; }

    /// <summary>The clone share, when the build has one (each step's clone reads are tracked on it).</summary>
    public CloneMounts? Clones { get; }

    public CacheDiskLease? CacheDisk { get; }

    /// <summary>The CACHE folders mounted in this machine so far.</summary>
    public GuestCacheMounts Caches { get; }

    /// <param name="workspaceFolder">The host folder shared as the workspace (a mounted mirror).</param>
    /// <param name="cacheDiskOf">The Layerfile whose cache disk to attach (it has CACHE folders), or null for none.</param>
    /// <exception cref="BuildException">The clone share cannot be mounted, or a recorded clone cannot be resolved.</exception>
    public static async Task<LayerfileMachine> BootAsync(BuildSession session, WorkspaceMirrors mirrors, string workspaceFolder, BootSource boot, int memoryMiB,
        string? cacheDiskOf, CancellationToken cancellationToken)
    {
        CacheDiskLease? cacheDisk = null;
        CloneMounts? clones = null;
        Machine? machine = null;
        try
        {
            if (cacheDiskOf is not null) cacheDisk = GuestCacheMounts.AcquireDisk(session, cacheDiskOf);
            clones = CloneMounts.RentFor(session, mirrors);
            machine = await session.Vm().BootAsync(boot, new MachineSpec
            {
                MemoryMiB = memoryMiB,
                WorkspaceFolder = workspaceFolder,
                ExtraShares = clones is null ? [] : [clones.Share],
                CacheDiskPath = cacheDisk?.ImagePath,
            }, cancellationToken);
            if (clones is not null) await clones.AttachAsync(machine, cancellationToken);
            return new LayerfileMachine(machine, clones, cacheDisk);
        }
        catch
        {
            machine?.Dispose();
            clones?.Dispose();
            cacheDisk?.Dispose();
            throw;
        }
    }

    /// <summary>Mounts <paramref name="folders"/> as the last step had them (`layer shell`, EXPOSE, ARTIFACT).</summary>
    /// <exception cref="BuildException">They cannot be mounted.</exception>
    public async Task MountCachesAsync(IReadOnlyList<string> folders, string user, string layerfile, CancellationToken cancellationToken)
    {
        if (folders.Count > 0 && await Caches.EnsureAsync(folders, user, cancellationToken) is { } error) throw new BuildException($"{layerfile}: {error}");
    }

    public void Dispose()
    {
        Machine.Dispose();
        Clones?.Dispose();
        CacheDisk?.Dispose();
    }
}
