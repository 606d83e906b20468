using Layer.Engine.Reporting;
using Layer.Vm.Disks;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// A machine booted on a built snapshot with the workspace shared and its overlays remounted, as the
/// steps saw it: what `layer shell` attaches to. Dispose destroys the machine and unmounts the workspace.
/// Nothing it does is recorded in the cache (what it writes in CACHE folders stays there, as a step's would).
/// </summary>
public sealed class BuiltMachine : IDisposable
{
    private readonly BuildSession _session;
    private readonly CacheDiskLease? _cacheDisk;
    private readonly WorkspaceMirrors _mirrors;
    private readonly CloneMounts? _clones;

    private BuiltMachine(BuildSession session, Machine machine, CacheDiskLease? cacheDisk, WorkspaceMirrors mirrors, CloneMounts? clones)
    {
        _session = session;
        Machine = machine;
        _cacheDisk = cacheDisk;
        _mirrors = mirrors;
        _clones = clones;
    }

    public Machine Machine { get; }

    /// <summary>Boots <paramref name="layerId"/> (a report's <c>FinalLayer</c>) for the repository of <paramref name="options"/>, without CACHE folders.</summary>
    public static Task<BuiltMachine> BootAsync(BuildOptions options, string layerId, IBuildObserver observer, int memoryMiB = 1024, CancellationToken cancellationToken = default) =>
        BootAsync(options, layerId, null, observer, memoryMiB, cancellationToken);

    /// <summary>
    /// Boots the final state of a built Layerfile with its CACHE folders mounted from its cache disk, as
    /// its last step had them (an empty throwaway disk when a run holds it now).
    /// </summary>
    public static Task<BuiltMachine> BootAsync(BuildOptions options, LayerfileReport layerfile, IBuildObserver observer, int memoryMiB = 1024, CancellationToken cancellationToken = default) =>
        BootAsync(options, layerfile.FinalLayer ?? throw new ArgumentException($"{layerfile.Path} has no final layer (it did not succeed)", nameof(layerfile)),
            layerfile, observer, memoryMiB, cancellationToken);

    private static async Task<BuiltMachine> BootAsync(BuildOptions options, string layerId, LayerfileReport? layerfile, IBuildObserver observer, int memoryMiB,
        CancellationToken cancellationToken)
    {
        var path = Builder.ResolveLayerfile(options.Path);
        var session = new BuildSession(options, observer, Parser.LayerfileDiscovery.FindRepositoryRoot(path));
        CacheDiskLease? cacheDisk = null;
        // The snapshot may hold CLONE overlays: share the clone trees whenever this cache has any.
        var mirrors = new WorkspaceMirrors(session) { CloneShare = Directory.Exists(session.Clones.Trees) };
        CloneMounts? clones = null;
        Machine? machine = null;
        try
        {
            var mirror = session.Mirror();
            clones = CloneMounts.RentFor(session, mirrors);
            var folders = layerfile?.FinalEnvironment?.CacheFolders ?? [];
            if (folders.Length > 0) cacheDisk = GuestCacheMounts.AcquireDisk(session, layerfile!.Path);
            machine = await session.Vm().BootAsync(BootSource.Layer(layerId), new MachineSpec
            {
                MemoryMiB = memoryMiB,
                WorkspaceFolder = mirror.Mountpoint,
                CacheDiskPath = cacheDisk?.ImagePath,
                ExtraShares = clones is null ? [] : [clones.Share],
            }, cancellationToken);
            if (clones is not null) await clones.AttachAsync(machine, cancellationToken);
            var built = new BuiltMachine(session, machine, cacheDisk, mirrors, clones);
            machine = null;
            if (folders.Length > 0 && await new GuestCacheMounts(built.Machine).EnsureAsync(folders, layerfile!.FinalEnvironment!.User, cancellationToken) is { } error)
            {
                built.Dispose();
                throw new BuildException(error);
            }

            return built;
        }
        catch
        {
            machine?.Dispose();
            clones?.Dispose();
            mirrors.Dispose();
            cacheDisk?.Dispose();
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Machine.Dispose();
        _clones?.Dispose();
        _mirrors.Dispose();
        _cacheDisk?.Dispose();
        _session.Dispose();
    }
}
