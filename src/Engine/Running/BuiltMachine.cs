using Layer.Engine.Reporting;
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
    private readonly WorkspaceMirrors _mirrors;
    private readonly LayerfileMachine _booted;

    private BuiltMachine(BuildSession session, WorkspaceMirrors mirrors, LayerfileMachine booted)
    {
        _session = session;
        _mirrors = mirrors;
        _booted = booted;
    }

    public Machine Machine => _booted.Machine;

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
        // The snapshot may hold CLONE overlays: share the clone trees whenever this cache has any.
        var mirrors = new WorkspaceMirrors(session) { CloneShare = Directory.Exists(session.Clones.Trees) };
        LayerfileMachine? booted = null;
        try
        {
            var folders = layerfile?.FinalEnvironment?.CacheFolders ?? [];
            booted = await LayerfileMachine.BootAsync(session, mirrors, session.Mirror().Mountpoint, BootSource.Layer(layerId), memoryMiB,
                folders.Length > 0 ? layerfile!.Path : null, cancellationToken);
            if (folders.Length > 0) await booted.MountCachesAsync(folders, layerfile!.FinalEnvironment!.User, layerfile.Path, cancellationToken);
            return new BuiltMachine(session, mirrors, booted);
        }
        catch
        {
            booted?.Dispose();
            mirrors.Dispose();
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _booted.Dispose();
        _mirrors.Dispose();
        _session.Dispose();
    }
}
