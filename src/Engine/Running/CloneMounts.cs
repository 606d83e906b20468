using System.Collections.Concurrent;
using System.Text;
using Layer.Engine.Sources;
using Layer.Fs;
using Layer.Fs.Tracking;
using Layer.Vm.Agent;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// CLONE in one machine. The host's clone trees (clones/trees, as URLKEY/COMMIT/...) reach the guest
/// through a read-tracked mirror of their own, shared (virtio-fs or 9p, as the workspace) with tag <see cref="Tag"/> and mounted at
/// <see cref="GuestRoot"/>. A CLONE mounts an overlay of its tree at the destination (as COPY of one
/// folder does), so nothing is read until a later step reads it, and those reads are recorded as
/// <c>/clone/ID/path</c>. The overlay is recorded on the guest disk (<see cref="Records"/>) without its
/// commit: a machine booted on a snapshot mounts it again on the commit the clone resolves to in this
/// build, and the read sets of the steps after it were checked against that same commit.
/// </summary>
internal sealed class CloneMounts(BuildSession session, MirrorMount share, WorkspaceMirrors mirrors) : IDisposable
{
    public const string Tag = "clones";
    public const string GuestRoot = "/layer/clones";
    private const string State = "/layer/clone-overlays";
    private const string Records = State + "/records";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _idsByTree = new(StringComparer.Ordinal);

    public SharedFolder Share => new(Tag, share.Mountpoint);

    /// <summary>The clone share for one machine, when some Layerfile of this build clones (null otherwise). Dispose after the machine is gone.</summary>
    public static CloneMounts? RentFor(BuildSession session, WorkspaceMirrors mirrors)
    {
        if (!mirrors.CloneShare) return null;
        Directory.CreateDirectory(session.Clones.Trees);
        return new CloneMounts(session, mirrors.Rent(session.Clones.Trees, "clones"), mirrors);
    }

    public void Dispose() => mirrors.Return(share);

    /// <summary>
    /// Right after boot: mounts the share, and puts back the overlays earlier CLONE steps recorded on this
    /// disk, each on the commit its clone resolves to now.
    /// </summary>
    /// <exception cref="BuildException">The share cannot be mounted, or a recorded clone cannot be resolved now.</exception>
    public async Task AttachAsync(Machine machine, CancellationToken cancellationToken)
    {
        var (ok, output) = await RunAsync(machine,
            $"mkdir -p {GuestRoot} && {machine.ShareMountCommand(Tag, GuestRoot)} || exit 1\n" +
            $"cat {Records} 2>/dev/null; exit 0", cancellationToken);
        if (!ok) throw new BuildException($"the clone share could not be mounted in the guest: {output.Trim()}");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length != 4) continue;
            var (overlayId, id, below, target) = (fields[0], fields[1], fields[2], fields[3]);
            var source = session.Clones.Find(id) ??
                         throw new BuildException($"the snapshot holds a CLONE ({id}, at {target}) that this cache no longer knows; run with --no-cache");
            CloneResolution resolution;
            try
            {
                resolution = Prepare(source).Resolution;
            }
            catch (CloneException e)
            {
                throw new BuildException($"CLONE {source.Url} (at {target} in the snapshot): {e.Message}");
            }

            var lower = CloneStore.TreeInShare(resolution.Url, resolution.Commit) + (below.Length == 0 ? "" : "/" + below);
            (ok, output) = await RunAsync(machine, MountScript(overlayId, lower, target), cancellationToken);
            if (!ok) throw new BuildException($"CLONE {source.Url}: mounting it again at {target} failed: {output.Trim()}");
            session.Observer.Info($"CLONE {resolution} mounted again at {target} (restored snapshot)");
        }
    }

    /// <summary>Resolves and fetches a clone for this machine; reads of its tree count for its id from now on.</summary>
    /// <exception cref="CloneException">Resolving or fetching failed.</exception>
    public (CloneResolution Resolution, string Tree) Prepare(CloneSource source)
    {
        session.Clones.Register(source);
        var resolution = session.Clones.Resolve(source);
        var tree = session.Clones.Tree(resolution);
        _idsByTree.GetOrAdd(CloneStore.TreeInShare(resolution.Url, resolution.Commit), _ => new()).TryAdd(source.Id, 0);
        return (resolution, tree);
    }

    /// <summary>Mounts an overlay of <paramref name="lower"/> (a path in the share) at the target and records it on the guest disk.</summary>
    public Task<(bool Ok, string Output)> MountAsync(Machine machine, string overlayId, string cloneId, string below, string lower, string target,
        CancellationToken cancellationToken) =>
        RunAsync(machine, MountScript(overlayId, lower, target) +
                          $"printf '%s\\t%s\\t%s\\t%s\\n' {Q(overlayId)} {Q(cloneId)} {Q(below)} {Q(target)} >> {Records}\n", cancellationToken);

    /// <summary>Whether a path can stand in overlayfs's lowerdir option (which splits on ',' and ':').</summary>
    public static bool FitsOverlay(string path) => !path.Contains(',') && !path.Contains(':') && !path.Contains('\\') && !path.Contains('\n') && !path.Contains('\t');

    public void BeginEpoch() => share.Tracker.BeginEpoch();

    /// <summary>Ends the share's epoch after a failed or cancelled step (its reads are not recorded).</summary>
    public void AbandonEpoch()
    {
        if (share.Tracker.InEpoch) share.Tracker.EndEpoch();
    }

    /// <summary>The step's read set: the workspace's and the clone share's, as one.</summary>
    public ReadSet EndEpoch(ReadSet workspace) =>
        CloneReads.Merge(workspace, CloneReads.FromShare(share.Tracker.EndEpoch(),
            tree => _idsByTree.TryGetValue(tree, out var ids) ? ids.Keys.ToList() : []));

    /// <summary>
    /// The target itself is the lowest layer (what the guest had there stays visible under the clone),
    /// as COPY's overlays do; upper and work live on the guest disk, so the snapshot keeps what steps wrote.
    /// </summary>
    private static string MountScript(string overlayId, string lower, string target) =>
        $"set -e\nd={State}/{overlayId}\nmkdir -p \"$d/upper\" \"$d/work\" {Q(target)}\n" +
        $"mount -t overlay overlay -o \"lowerdir={GuestRoot}/{lower}:{target},upperdir=$d/upper,workdir=$d/work\" {Q(target)}\n";

    private static async Task<(bool Ok, string Output)> RunAsync(Machine machine, string script, CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        void Keep(ReadOnlyMemory<byte> bytes)
        {
            lock (output) output.Write(bytes.Span);
        }

        var result = await machine.RunAsync(RunSpec.ShellCommand(script), Keep, Keep, cancellationToken);
        return (result.Succeeded, Encoding.UTF8.GetString(output.ToArray()));
    }

    private static string Q(string text) => StepExecutor.ShellQuote(text);
}
