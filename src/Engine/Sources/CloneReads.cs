using Layer.Fs.Tracking;

namespace Layer.Engine.Sources;

/// <summary>
/// Read sets across the workspace and the clone share. The clone share serves every tree as
/// URLKEY/COMMIT/path; a read there is recorded as <c>/clone/CLONEID/path</c> (a workspace path is
/// relative, so it never starts with '/'), without the commit: at lookup the clone id is resolved again
/// (its branch may have moved) and the observation is checked in that commit's tree. Only the steps that
/// read a file that differs between the two commits then re-run.
/// </summary>
internal static class CloneReads
{
    public const string Prefix = "/clone/";

    private static readonly IReadOnlyDictionary<string, ReadSet> NoClones = new Dictionary<string, ReadSet>(StringComparer.Ordinal);

    /// <summary>
    /// Clone-share observations as read-set observations. <paramref name="cloneIds"/> maps a tree
    /// (URLKEY/COMMIT) to the clone ids this machine mounted it for: when two CLONEs share a tree, a read
    /// counts for both (it cannot be told apart, and an extra observation can only cause a re-run).
    /// Reads above a tree (the share's root, a URLKEY folder) are the guest finding its way and are dropped.
    /// </summary>
    public static IEnumerable<Observation> FromShare(ReadSet share, Func<string, IReadOnlyCollection<string>> cloneIds)
    {
        foreach (var observation in share.Observations)
        {
            var parts = observation.Path.Split('/', 3);
            if (parts.Length < 2) continue;
            var tree = parts[0] + "/" + parts[1];
            var rest = parts.Length == 3 ? "/" + parts[2] : "";
            foreach (var id in cloneIds(tree)) yield return observation with { Path = Prefix + id + rest };
        }
    }

    /// <summary>Workspace and clone observations as one read set, sorted by path then kind.</summary>
    public static ReadSet Merge(ReadSet workspace, IEnumerable<Observation> clones) =>
        new(workspace.Observations.Concat(clones)
            .DistinctBy(o => (o.Path, o.Kind))
            .OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Kind)
            .ToList());

    /// <summary>The workspace part of a read set, and per clone id its part with paths relative to the tree ("." for the tree itself).</summary>
    public static (ReadSet Workspace, IReadOnlyDictionary<string, ReadSet> Clones) Split(ReadSet readSet)
    {
        // Most read sets have no clone reads: no copy of the list then (a step reading 10,000 files is checked on every run).
        if (!readSet.Observations.Any(o => o.Path.StartsWith(Prefix, StringComparison.Ordinal))) return (readSet, NoClones);
        var workspace = new List<Observation>();
        var clones = new SortedDictionary<string, List<Observation>>(StringComparer.Ordinal);
        foreach (var observation in readSet.Observations)
        {
            if (!observation.Path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                workspace.Add(observation);
                continue;
            }

            var rest = observation.Path[Prefix.Length..];
            var slash = rest.IndexOf('/');
            var (id, path) = slash < 0 ? (rest, ".") : (rest[..slash], rest[(slash + 1)..]);
            if (!clones.TryGetValue(id, out var list)) clones[id] = list = [];
            list.Add(observation with { Path = path });
        }

        return (workspace.Count == readSet.Observations.Count ? readSet : new ReadSet(workspace),
            clones.ToDictionary(p => p.Key, p => new ReadSet(p.Value), StringComparer.Ordinal));
    }
}
