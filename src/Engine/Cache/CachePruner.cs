using Layer.Vm.Disks;

namespace Layer.Engine.Cache;

/// <summary>What a prune removes: cache entries, and the layers no kept entry needs.</summary>
public sealed record PrunePlan(IReadOnlyList<CacheEntry> RemovedEntries, IReadOnlyList<LayerRecord> DeletedLayers, long KeptBytes)
{
    public long FreedBytes => DeletedLayers.Sum(l => l.Bytes);
}

/// <summary>
/// Least recently used entries go first; a kept entry keeps every layer its snapshot needs (its backing
/// chain, and the flattened copy standing in for it). Entries whose layer is gone are dropped, and layers
/// no kept entry needs are deleted.
/// </summary>
public static class CachePruner
{
    /// <param name="keepBytes">Keep at most this many bytes of layers; null keeps every entry that still has its layer.</param>
    public static PrunePlan Plan(IReadOnlyList<CacheEntry> entries, IReadOnlyList<LayerRecord> layers, long? keepBytes)
    {
        var byId = layers.ToDictionary(l => l.Id, StringComparer.Ordinal);
        var flatCopies = layers.Where(l => l.FlattenedFrom is not null).ToLookup(l => l.FlattenedFrom!, StringComparer.Ordinal);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var removed = new List<CacheEntry>();
        long keptBytes = 0;
        foreach (var entry in entries.OrderByDescending(e => e.LastUsed).ThenByDescending(e => e.Created))
        {
            var needs = Needs(entry.LayerId, byId, flatCopies);
            if (needs is null)
            {
                removed.Add(entry);
                continue;
            }

            var extra = needs.Where(id => !kept.Contains(id)).Sum(id => byId[id].Bytes);
            if (keepBytes is { } limit && keptBytes + extra > limit)
            {
                removed.Add(entry);
                continue;
            }

            kept.UnionWith(needs);
            keptBytes += extra;
        }

        var deleted = layers.Where(l => !kept.Contains(l.Id)).ToList();
        return new PrunePlan(removed, deleted, keptBytes);
    }

    /// <summary>The layers <paramref name="layerId"/> cannot boot without, or null when any of them is missing.</summary>
    private static HashSet<string>? Needs(string layerId, Dictionary<string, LayerRecord> byId, ILookup<string, LayerRecord> flatCopies)
    {
        var needs = new HashSet<string>(StringComparer.Ordinal);
        for (var id = layerId; id is not null;)
        {
            if (!byId.TryGetValue(id, out var layer) || !needs.Add(id)) return byId.ContainsKey(id) ? needs : null;
            foreach (var flat in flatCopies[id]) needs.Add(flat.Id);
            id = layer.ParentId;
        }

        return needs;
    }
}
