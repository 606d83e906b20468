using Layer.Vm.Disks;

namespace Layer.Engine.Cache;

/// <summary>What a prune does to cache disks: the ones it deletes, and the bytes the kept ones take.</summary>
public sealed record CacheDiskPrunePlan(IReadOnlyList<CacheDiskRecord> Deleted, long KeptBytes);

/// <summary>
/// Cache disks are the cheapest thing to lose (a CACHE folder only makes a step faster; a snapshot layer
/// skips it), so under a size limit they go before any layer, least recently used first. Disks whose
/// Layerfile no longer exists always go.
/// </summary>
public static class CacheDiskPruner
{
    /// <param name="layerBytes">What the layers every kept step needs take (<see cref="CachePruner.Plan"/> without a limit).</param>
    /// <param name="keepBytes">The limit for layers and disks together; null keeps every disk whose Layerfile exists.</param>
    public static CacheDiskPrunePlan Plan(IReadOnlyList<CacheDiskRecord> disks, long layerBytes, long? keepBytes)
    {
        var deleted = disks.Where(d => CacheDiskNames.OwnerIsGone(d.Owner)).ToList();
        var kept = disks.Except(deleted).OrderByDescending(d => d.LastUsedUtc).ToList();
        var total = layerBytes + kept.Sum(d => d.Bytes);
        while (keepBytes is { } limit && total > limit && kept.Count > 0)
        {
            var oldest = kept[^1];
            kept.RemoveAt(kept.Count - 1);
            deleted.Add(oldest);
            total -= oldest.Bytes;
        }

        return new CacheDiskPrunePlan(deleted, kept.Sum(d => d.Bytes));
    }
}
