using Layer.Fs.Tracking;
using Layer.Vm.Images;

namespace Layer.Engine.Cache;

/// <summary>
/// Hashes of the host files base images are made from (kernel, modules, busybox, agent), remembered by
/// file stamp like the workspace's. Every `layer run` needs the base image's id, which hashes ~15 MB of
/// them; with this, an unchanged host costs a few stats instead.
/// </summary>
internal sealed class HostFileHashes(StatHashCache memo)
{
    /// <summary>
    /// The memo for host files, in a folder of its own under the workspaces' ones: the memo kept beside them
    /// before image ids became BLAKE3 holds SHA-256 hashes, which must not answer for BLAKE3 ones.
    /// </summary>
    public static HostFileHashes Load(string folder) => new(StatHashCache.Load(Path.Combine(folder, "host"), "/"));

    /// <summary>Hex BLAKE3 of the file's bytes (what <see cref="ImageStore.HashFile"/> computes).</summary>
    public string Hash(string path)
    {
        // Stat before reading: if the file changes in between, the stored stamp is the old one and the
        // next run sees a new stamp and hashes again.
        var stamp = FileStamp.Read(path);
        Span<byte> raw = stackalloc byte[StatHashCache.HashBytes];
        if (stamp is { } known && memo.TryGet(path, known, raw)) return Convert.ToHexStringLower(raw);
        var hash = ImageStore.HashFile(path);
        // Kept as its bytes: only a lowercase hex of 32 bytes comes back the same from them.
        if (stamp is { } seen && Fs.Tracking.ReadSetCodec.TryParseHash(hash, raw)) memo.Store(path, seen, raw);
        return hash;
    }

    public void Save() => memo.Save();
}
