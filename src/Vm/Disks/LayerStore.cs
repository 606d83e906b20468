using System.Security.Cryptography;
using System.Text.Json;
using Layer.Vm.Host;

namespace Layer.Vm.Disks;

/// <summary>
/// Snapshot layers: qcow2 files in <c>layers/</c>, each the frozen overlay a machine wrote until a
/// <c>Snapshot()</c>, with the previous layer (or the base image's root disk) as its backing file.
/// <code>
///   images/busybox-…/rootfs.qcow2  &lt;-  layers/A.qcow2  &lt;-  layers/B.qcow2  &lt;-  layers/C.qcow2 (being written)
/// </code>
/// A layer is committed when its <c>ID.json</c> exists; from then on it is never written again, so any
/// number of machines may boot on overlays above it. A qcow2 without json is an overlay in use (or left
/// by a killed run, which the reaper deletes). Ids are random: the engine stores them, content
/// addressing would need a full read of every layer.
/// </summary>
internal sealed class LayerStore
{
    /// <summary>Chains longer than this are flattened (qcow2 lookups and open files grow with depth).</summary>
    public const int MaxDepth = 32;

    private readonly CacheDirectory _cache;

    public LayerStore(CacheDirectory cache) => _cache = cache;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

    public string PathOf(string id) => Path.Combine(_cache.Layers, id + ".qcow2");

    private string MetadataPath(string id) => Path.Combine(_cache.Layers, id + ".json");

    /// <summary>A flattened copy of a deep layer, recorded beside it so its id stays valid and cheap.</summary>
    private string FlatAliasPath(string id) => Path.Combine(_cache.Layers, id + ".flat");

    /// <summary>The committed layer, or null when no such id exists (or it is not committed).</summary>
    public LayerInfo? Find(string id)
    {
        if (!IsWellFormed(id)) return null;
        var json = MetadataPath(id);
        if (!File.Exists(json)) return null;
        return JsonSerializer.Deserialize(File.ReadAllText(json), LayerInfoContext.Default.LayerInfo);
    }

    /// <summary>Creates an empty overlay over <paramref name="backingPath"/>; returns its id.</summary>
    public string CreateOverlay(string backingPath)
    {
        _cache.EnsureCreated();
        var id = NewId();
        QemuImg.CreateOverlay(PathOf(id), backingPath);
        return id;
    }

    /// <summary>Freezes the overlay <paramref name="id"/> as a layer (QEMU no longer writes it).</summary>
    public LayerInfo Commit(string id, string? parentId, string imageId, int depth)
    {
        // libvirt creates snapshot overlays 0600 for libvirt-qemu; a layer is shared read-only by every
        // later machine (and read by qemu-img as root), so open it to reading.
        File.SetUnixFileMode(PathOf(id), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var info = new LayerInfo(id, parentId, imageId, depth, DateTime.UtcNow);
        var temporary = MetadataPath(id) + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(info, LayerInfoContext.Default.LayerInfo));
        File.Move(temporary, MetadataPath(id), overwrite: true);
        return info;
    }

    /// <summary>Deletes an overlay that was never committed.</summary>
    public void DeleteUncommitted(string id)
    {
        if (!IsWellFormed(id) || File.Exists(MetadataPath(id))) return;
        File.Delete(PathOf(id));
    }

    /// <summary>
    /// The layer to put a new overlay on for <paramref name="layer"/>: itself, or past <see cref="MaxDepth"/>
    /// a flattened standalone copy (made once with qemu-img convert and remembered). Flattening copies;
    /// it never commits into a shared parent, so every id stays valid.
    /// </summary>
    public LayerInfo Bootable(LayerInfo layer)
    {
        if (layer.Depth < MaxDepth) return layer;
        var alias = FlatAliasPath(layer.Id);
        if (File.Exists(alias) && Find(File.ReadAllText(alias).Trim()) is { } existing) return existing;
        var id = NewId();
        QemuImg.Convert(PathOf(layer.Id), "qcow2", PathOf(id));
        var flat = Commit(id, parentId: null, layer.ImageId, depth: 0) with { FlattenedFrom = layer.Id };
        File.WriteAllText(MetadataPath(id), JsonSerializer.Serialize(flat, LayerInfoContext.Default.LayerInfo));
        File.WriteAllText(alias, id);
        return flat;
    }

    private static bool IsWellFormed(string id) => id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit);
}
