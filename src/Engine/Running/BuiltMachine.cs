using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// A machine booted on a built snapshot with the workspace shared and its overlays remounted, as the
/// steps saw it: what `layer shell` attaches to. Dispose destroys the machine and unmounts the workspace.
/// Nothing it does is recorded in the cache.
/// </summary>
public sealed class BuiltMachine : IDisposable
{
    private readonly BuildSession _session;
    private readonly WorkspaceMirrors _mirrors;
    private readonly CloneMounts? _clones;

    private BuiltMachine(BuildSession session, WorkspaceMirrors mirrors, CloneMounts? clones, Machine machine)
    {
        _session = session;
        _mirrors = mirrors;
        _clones = clones;
        Machine = machine;
    }

    public Machine Machine { get; }

    /// <summary>Boots <paramref name="layerId"/> (a report's <c>FinalLayer</c>) for the repository of <paramref name="options"/>.</summary>
    public static async Task<BuiltMachine> BootAsync(BuildOptions options, string layerId, IBuildObserver observer, int memoryMiB = 1024, CancellationToken cancellationToken = default)
    {
        var layerfile = Builder.ResolveLayerfile(options.Path);
        var session = new BuildSession(options, observer, Parser.LayerfileDiscovery.FindRepositoryRoot(layerfile));
        // The snapshot may hold CLONE overlays: share the clone trees whenever this cache has any.
        var mirrors = new WorkspaceMirrors(session) { CloneShare = Directory.Exists(session.Clones.Trees) };
        CloneMounts? clones = null;
        Machine? machine = null;
        try
        {
            var mirror = session.Mirror();
            clones = CloneMounts.RentFor(session, mirrors);
            machine = await session.Vm().BootAsync(BootSource.Layer(layerId), new MachineSpec
            {
                MemoryMiB = memoryMiB,
                WorkspaceFolder = mirror.Mountpoint,
                ExtraShares = clones is null ? [] : [clones.Share],
            }, cancellationToken);
            if (clones is not null) await clones.AttachAsync(machine, cancellationToken);
            return new BuiltMachine(session, mirrors, clones, machine);
        }
        catch
        {
            machine?.Dispose();
            clones?.Dispose();
            mirrors.Dispose();
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Machine.Dispose();
        _clones?.Dispose();
        _mirrors.Dispose();
        _session.Dispose();
    }
}
