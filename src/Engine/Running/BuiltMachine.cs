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

    private BuiltMachine(BuildSession session, Machine machine)
    {
        _session = session;
        Machine = machine;
    }

    public Machine Machine { get; }

    /// <summary>Boots <paramref name="layerId"/> (a report's <c>FinalLayer</c>) for the repository of <paramref name="options"/>.</summary>
    public static async Task<BuiltMachine> BootAsync(BuildOptions options, string layerId, IBuildObserver observer, int memoryMiB = 1024, CancellationToken cancellationToken = default)
    {
        var layerfile = Builder.ResolveLayerfile(options.Path);
        var session = new BuildSession(options, observer, Parser.LayerfileDiscovery.FindRepositoryRoot(layerfile));
        try
        {
            var mirror = session.Mirror();
            var machine = await session.Vm().BootAsync(BootSource.Layer(layerId), new MachineSpec { MemoryMiB = memoryMiB, WorkspaceFolder = mirror.Mountpoint }, cancellationToken);
            return new BuiltMachine(session, machine);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Machine.Dispose();
        _session.Dispose();
    }
}
