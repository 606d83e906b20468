using System.Text.Json;
using Layer.Vm.Host;
using Layer.Vm.Machines;

namespace Layer.Vm.Disks;

/// <summary>A committed snapshot layer as `layer cache` sees it.</summary>
public sealed record LayerRecord(string Id, string? ParentId, string ImageId, long Bytes, DateTime CreatedUtc, string? FlattenedFrom);

/// <summary>
/// The committed layers of a cache, for listing and pruning. Deleting is the caller's decision: it must
/// keep every layer that a kept layer is backed by (its parent chain) and the flattened copy that stands
/// in for a deep layer.
/// </summary>
public static class LayerCatalog
{
    public static IReadOnlyList<LayerRecord> List(CacheDirectory cache)
    {
        if (!Directory.Exists(cache.Layers)) return [];
        var records = new List<LayerRecord>();
        foreach (var json in Directory.EnumerateFiles(cache.Layers, "*.json"))
        {
            LayerInfo? info;
            try
            {
                info = JsonSerializer.Deserialize(File.ReadAllText(json), LayerInfoContext.Default.LayerInfo);
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                continue;
            }

            if (info is null) continue;
            var disk = new FileInfo(Path.Combine(cache.Layers, info.Id + ".qcow2"));
            records.Add(new LayerRecord(info.Id, info.ParentId, info.ImageId, disk.Exists ? disk.Length : 0, info.CreatedUtc, info.FlattenedFrom));
        }

        return records;
    }

    /// <summary>Whether a committed layer is there whole: its metadata and its disk (pruning may have taken either).</summary>
    public static bool Exists(CacheDirectory cache, string id)
    {
        var layers = new LayerStore(cache);
        return layers.Find(id) is not null && File.Exists(layers.PathOf(id));
    }

    /// <summary>Deletes a committed layer: metadata first (so it is never half there), then its disk and alias.</summary>
    public static void Delete(CacheDirectory cache, string id)
    {
        if (id.Length == 0 || !id.All(char.IsAsciiLetterOrDigit)) throw new ArgumentException($"not a layer id: {id}", nameof(id));
        foreach (var suffix in new[] { ".json", ".flat", ".qcow2" }) File.Delete(Path.Combine(cache.Layers, id + suffix));
    }

    /// <summary>Whether a `layer` process other than this one is using the cache now (pruning must then wait).</summary>
    public static bool OtherRunsAlive(CacheDirectory cache) =>
        Directory.Exists(cache.Runs) &&
        Directory.GetDirectories(cache.Runs, "layer-*").Length > RunDirectory.Abandoned(cache).Count();
}
