using Layer.Engine.Cache;
using Layer.Engine.Planning;
using Layer.Parser;

namespace Layer.Engine.Running;

/// <summary>
/// RUN REPEATABLE: on a miss, the step runs again on the state its last run left (the newest snapshot
/// recorded under the same key, whatever its read set) instead of on its parent, so tools that keep
/// their own caches on disk (docker, make, compilers) find them. Not hermetic: the result depends on
/// the history of runs, which is the point; <c>--no-cache</c> runs it on the parent.
/// </summary>
internal static class RepeatableRuns
{
    /// <summary>
    /// Whether a unit is repeated as a whole on a miss: it holds a RUN REPEATABLE (a CHECKPOINT-disabled
    /// group is one snapshot, so the whole group runs again on the state it left).
    /// </summary>
    public static bool IsRepeatable(PlannedUnit unit) => unit.Steps.Any(s => s.Instruction.Kind == InstructionKind.RunRepeatable);

    /// <summary>
    /// The entry the unit's last run under <paramref name="key"/> recorded, whose layer is still on disk;
    /// null when it never ran under this key (it then runs on its parent, as any step). The key includes
    /// the parent, so the state found always descends from the same parent.
    /// </summary>
    public static CacheEntry? Previous(ICacheStore store, string key, Func<string, bool> layerExists) =>
        store.Candidates(key).OrderByDescending(e => e.Created).FirstOrDefault(e => layerExists(e.LayerId));

    public const string ReasonSuffix = "; repeated on its previous state";
}
