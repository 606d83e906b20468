using Layer.Engine.Artifacts;
using Layer.Engine.Exposing;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// What happens after a Layerfile's steps: ARTIFACT and EXPOSE.
/// <para>Artifacts are copied from the machine that ran the last step, before it goes away (also when a
/// step failed: whatever exists then is copied). When every step was cached there is no such machine, so
/// the final snapshot is booted to copy them (and the output says so): booting costs seconds, while
/// keeping artifact copies in the cache would cost disk for every entry and could serve files the
/// snapshot no longer matches.</para>
/// <para>EXPOSE is always served from a fresh boot of the final snapshot, with the RUN BACKGROUND commands
/// started again in order: the machine that ran the steps holds this run's cache disk and shares, which
/// must be released when the Layerfile ends, and a served machine may outlive the build's other
/// Layerfiles. It serves exactly what the cache holds, whether the steps ran or not; its CLONE overlays
/// are put back and its CACHE folders mounted as the last step had them (a RUN BACKGROUND server may read
/// them), so while it serves, another run of the same Layerfile gets a throwaway CACHE disk and says so.</para>
/// </summary>
internal static class LayerfileEnd
{
    /// <summary>Where the Layerfiles' artifact folders go: <c>--artifacts</c>, default ./layer-artifacts.</summary>
    public static string ArtifactsBase(BuildSession session) => Path.GetFullPath(session.Options.ArtifactsDirectory ?? "layer-artifacts");

    /// <summary>
    /// Why artifacts must not be written under <paramref name="folder"/>, or null. A CI runs `layer run` in
    /// the checkout, so ./layer-artifacts is usually inside the repository, whose files the pull request
    /// wrote: a committed link `layer-artifacts -> /etc` would land the guest's files in /etc. Every part of
    /// the path inside the repository must be a real folder (or not exist yet); the part above it is the
    /// operator's.
    /// </summary>
    internal static string? ArtifactsBaseProblem(string folder, string repositoryRoot)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(repositoryRoot));
        var relative = Path.GetRelativePath(root, folder);
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return null;
        var current = root;
        foreach (var part in relative == "." ? [] : relative.Split('/'))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is { } target)
            {
                return $"{current} is a symbolic link (to {target}) inside the repository; artifacts are not written through it " +
                       "(remove it, or name a folder outside the repository with --artifacts)";
            }

            if (!Directory.Exists(current)) return null;
        }

        return null;
    }

    /// <summary>Copies the artifacts out of <paramref name="machine"/> into the report. Never throws for a guest that is gone.</summary>
    public static async Task CollectArtifactsAsync(BuildSession session, Plan plan, LayerfileReport report, Machine machine, CancellationToken cancellationToken)
    {
        if (plan.Artifacts.Count == 0 || plan.Split is not null) return;
        if (ArtifactsBaseProblem(ArtifactsBase(session), session.RepositoryRoot) is { } problem)
        {
            session.Observer.Info($"{plan.Layerfile}: the artifacts are not copied: {problem}");
            report.Artifacts = plan.Artifacts.Select(a => new ArtifactReport { Line = a.Line, Guest = a.GuestPath, Host = "", Public = a.Public, Notes = { problem } }).ToList();
            return;
        }

        try
        {
            report.Artifacts = await ArtifactCollector.CollectAsync(machine, plan.Artifacts, ArtifactsBase(session),
                ArtifactCollector.FolderName(plan.Layerfile, session.RepositoryRoot), session.Observer.Info, cancellationToken);
        }
        catch (Exception e) when (e is GuestFailedException or Vm.Agent.AgentException)
        {
            session.Observer.Info($"{plan.Layerfile}: the artifacts could not be copied ({e.Message})");
            report.Artifacts = plan.Artifacts.Select(a => new ArtifactReport { Line = a.Line, Guest = a.GuestPath, Host = "", Public = a.Public, Notes = { e.Message } }).ToList();
        }
    }

    /// <summary>
    /// For a Layerfile that succeeded: copies artifacts the steps' machine did not (every step cached), and
    /// starts serving its EXPOSE lines (added to the session's serving set).
    /// </summary>
    public static async Task FinishAsync(BuildSession session, WorkspaceMirrors mirrors, Plan plan, LayerfileReport report, BuildBase? final,
        CancellationToken cancellationToken)
    {
        if (report.Status != "succeeded" || final is null) return;
        var artifacts = plan.Artifacts.Count > 0 && plan.Split is null && report.Artifacts is null;
        var serve = plan.Exposures.Count > 0;
        if (!artifacts && !serve) return;
        var purpose = (artifacts, serve) switch
        {
            (true, true) => "copy its artifacts and serve what it exposes",
            (true, false) => "copy its artifacts",
            _ => "serve what it exposes",
        };
        session.Observer.Info(artifacts
            ? $"{plan.Layerfile}: every step was cached; booting its final snapshot to {purpose}"
            : $"{plan.Layerfile}: booting its final snapshot to {purpose} (RUN BACKGROUND commands are started again)");
        var mirror = mirrors.Rent();
        LayerfileMachine? booted = null;
        var serving = false;
        try
        {
            // CLONE overlays recorded on the disk are put back on the clone share, as a restore does, and
            // the CACHE folders are mounted as the last step had them (RUN BACKGROUND servers may use them).
            var folders = plan.Final.CacheFolders;
            booted = await LayerfileMachine.BootAsync(session, mirrors, mirror.Mountpoint, final.Boot, plan.MemoryMiB ?? 1024,
                folders.Length > 0 ? plan.Layerfile : null, cancellationToken);
            await booted.MountCachesAsync(folders, plan.Final.User, plan.Layerfile, cancellationToken);
            var machine = booted.Machine;
            if (artifacts) await CollectArtifactsAsync(session, plan, report, machine, cancellationToken);
            if (!serve) return;
            new StepExecutor(machine, session.RepositoryRoot, session.Observer, session.Options.HostEnvironment, report).RestartBackground(plan.Final.Background);
            var served = booted;
            var exposure = Exposure.Start(machine, plan.Exposures, () =>
            {
                served.Dispose();
                mirrors.Return(mirror);
            });
            serving = true;
            session.Serving.Add(exposure);
            report.Exposed = exposure.Endpoints;
            foreach (var endpoint in exposure.Endpoints)
            {
                session.Observer.Info($"{plan.Layerfile}:{endpoint.Line}: EXPOSE {(endpoint.Kind == "tcp" ? "TCP " + endpoint.Target : "WEBSITE " + endpoint.Target)} -> {endpoint.Url}");
            }
        }
        catch (PortForwardException e)
        {
            throw new BuildException($"{plan.Layerfile}: EXPOSE could not be set up: {e.Message}", e);
        }
        finally
        {
            if (!serving)
            {
                booted?.Dispose();
                mirrors.Return(mirror);
            }
        }
    }
}
