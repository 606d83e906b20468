using Layer.Engine.Running;
using Layer.Fs.Tracking;

namespace Layer.Engine.Sources;

/// <summary>
/// Checks the clone part of a stored read set: each clone id is resolved as this build resolves it (the
/// branch may have moved since the entry was made) and its observations are checked in that commit's
/// tree, fetched if needed. A tree never changes once written, so no stat hash cache is needed.
/// </summary>
internal static class CloneValidation
{
    /// <summary>Why the observations no longer hold (for the report), or null when they all do.</summary>
    /// <exception cref="CloneException">A clone cannot be resolved or fetched now.</exception>
    public static string? WhyNot(CloneStore store, IReadOnlyDictionary<string, ReadSet> clones)
    {
        foreach (var (id, readSet) in clones)
        {
            // An id this cache never registered cannot be checked: a miss, never a guess.
            if (store.Find(id) is not { } source) return $"a CLONE this cache no longer knows ({id})";
            var resolution = store.Resolve(source);
            var result = ReadSetValidator.Validate(store.Tree(resolution), readSet, cache: null, stopAtFirst: true);
            if (!result.Holds) return $"CLONE {source.Url}: {Reasons.ForMismatch(result.Mismatches[0])} ({resolution.Branch ?? "commit"} now at {resolution.Short})";
        }

        return null;
    }
}
