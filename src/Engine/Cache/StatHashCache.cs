using System.Text;
using Layer.Fs.Tracking;

namespace Layer.Engine.Cache;

/// <summary>
/// Content hashes by file stamp for one workspace, as git's index keeps them: validation re-hashes only
/// the files whose stamp (device, inode, size, mtime, ctime) changed. On local filesystems also listing
/// hashes by folder stamp (under "path/"), as git's untracked cache keeps folders. Loaded whole at start, saved whole
/// by an atomic rename at the end; a missing or damaged file is an empty cache, never an error.
/// <para>
/// Racy stamps: a file written within the timestamp granularity of the moment it was hashed could change
/// again without its stamp changing. Like git, such a stamp is not remembered: only files whose mtime
/// and ctime are older than <see cref="RacyWindow"/> at hashing time are stored.
/// </para>
/// </summary>
public sealed class StatHashCache : IContentHashCache
{
    // v2 keeps the workspace's path, so `layer cache prune` can drop the caches of folders that are gone.
    // v3 keeps hashes as their 32 bytes (v2 had hex strings: twice the file, and a string per file to load).
    // An older file is an empty cache: the first run after the change hashes the files once again.
    private const string Magic = "layer.stathash.v3";

    /// <summary>Every hash here is 32 bytes (BLAKE3, of workspace files and of host files alike).</summary>
    internal const int HashBytes = 32;
    internal static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    // What the file held, never changed after loading: validation reads it from several threads at once, ten
    // thousand times a run, and takes no lock for it. What this run learns goes to _stored, under the lock.
    // Both hold facts "this stamp had this hash": either may answer.
    private readonly Dictionary<string, Entry> _entries;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _stored = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly string _root;
    private readonly Func<DateTime> _now;
    private bool _dirty;   // stored since the last save
    private bool _learned;   // stored at all (_stored is not empty)

    private StatHashCache(string? path, string root, Dictionary<string, Entry> entries, Func<DateTime> now, Func<bool> remembersListings)
    {
        _path = path;
        _root = root;
        _entries = entries;
        _now = now;
        _remembersListings = new Lazy<bool>(remembersListings);
    }

    /// <summary>
    /// Where folders are remembered too (<see cref="IContentHashCache.RemembersListings"/>): local Linux
    /// filesystems, which change a folder's mtime and ctime with every entry added, removed or renamed.
    /// Network and FUSE filesystems may not, or not at once: there every listing is read.
    /// </summary>
    private static readonly HashSet<string> FolderStampFilesystems = new(StringComparer.Ordinal) { "ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "f2fs" };

    // Asked by validation only (a statfs and a read of the mount table): the host files' memo never asks.
    private readonly Lazy<bool> _remembersListings;

    public bool RemembersListings => _remembersListings.Value;

    private static bool KnownToStampFolders(string root)
    {
        try
        {
            // statfs(2) of the folder itself: the filesystem it is on, wherever that is mounted.
            return FolderStampFilesystems.Contains(new DriveInfo(root).DriveFormat);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The cache file for the workspace <paramref name="hostRoot"/> under <paramref name="folder"/>.</summary>
    public static StatHashCache Load(string folder, string hostRoot)
    {
        var root = Path.GetFullPath(hostRoot);
        var name = Convert.ToHexStringLower(Blake3.Hasher.Hash(Encoding.UTF8.GetBytes(root)).AsSpan()[..16]);
        var path = Path.Combine(folder, name + ".stathash");
        return new StatHashCache(path, root, Read(path, root), () => DateTime.UtcNow, () => KnownToStampFolders(root));
    }

    /// <summary>A cache that lives in memory only (remembering listings only when told).</summary>
    public static StatHashCache InMemory(Func<DateTime>? now = null, bool remembersListings = false) =>
        new(null, "", new(StringComparer.Ordinal), now ?? (() => DateTime.UtcNow), () => remembersListings);

    /// <summary>
    /// Deletes the caches under <paramref name="folder"/> whose workspace no longer exists (temporary
    /// checkouts leave one each) and those of an older format; returns how many and their bytes.
    /// </summary>
    public static (int Count, long Bytes) PruneGone(string folder)
    {
        if (!Directory.Exists(folder)) return (0, 0);
        var (count, bytes) = (0, 0L);
        foreach (var file in Directory.EnumerateFiles(folder, "*.stathash"))
        {
            string? root;
            try
            {
                using var reader = new BinaryReader(File.OpenRead(file), Encoding.UTF8);
                root = reader.ReadString() == Magic ? reader.ReadString() : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
            {
                root = null;
            }

            if (root is not null && Directory.Exists(root)) continue;
            var length = new FileInfo(file).Length;
            File.Delete(file);
            (count, bytes) = (count + 1, bytes + length);
        }

        return (count, bytes);
    }

    public int Count
    {
        get
        {
            lock (_lock) return Merged().Count();
        }
    }

    public bool TryGet(string path, FileStamp stamp, Span<byte> hash)
    {
        if (_entries.TryGetValue(path, out var entry) && entry.Stamp == stamp)
        {
            ((ReadOnlySpan<byte>)entry.Hash).CopyTo(hash);
            return true;
        }

        if (!Volatile.Read(ref _learned)) return false;
        lock (_lock)
        {
            if (!_stored.TryGetValue(path, out entry) || entry.Stamp != stamp) return false;
            ((ReadOnlySpan<byte>)entry.Hash).CopyTo(hash);
            return true;
        }
    }

    public void Store(string path, FileStamp stamp, ReadOnlySpan<byte> hash)
    {
        if (hash.Length != HashBytes) throw new ArgumentException($"a content hash is {HashBytes} bytes, not {hash.Length}", nameof(hash));
        if (!stamp.IsOlderThan(_now() - RacyWindow)) return;
        var entry = new Entry { Stamp = stamp };
        hash.CopyTo(entry.Hash);
        lock (_lock)
        {
            _stored[path] = entry;
            _dirty = true;
            Volatile.Write(ref _learned, true);
        }
    }

    /// <summary>Every path's newest entry: what this run stored, else what the file held (call under the lock).</summary>
    private IEnumerable<KeyValuePair<string, Entry>> Merged() => _entries.Where(e => !_stored.ContainsKey(e.Key)).Concat(_stored);

    /// <summary>A stamp and the 32 bytes of its hash, inline: no object per file.</summary>
    private struct Entry
    {
        public FileStamp Stamp;
        public Hash32 Hash;
    }

    [System.Runtime.CompilerServices.InlineArray(HashBytes)]
    private struct Hash32
    {
        private byte _first;
    }

    /// <summary>Writes the cache if it changed (temp file, then rename: readers never see half a file).</summary>
    /// <exception cref="CacheFullException">The disk is full; the file saved before is left as it was.</exception>
    public void Save()
    {
        if (_path is null) return;
        lock (_lock)
        {
            if (!_dirty) return;
            var folder = Path.GetDirectoryName(_path)!;
            var temporary = $"{_path}.{Environment.ProcessId}.tmp";
            try
            {
                Directory.CreateDirectory(folder);
                Write(temporary);
                File.Move(temporary, _path, overwrite: true);
            }
            catch (IOException e)
            {
                // Half a file is no use to anyone, and on a full disk it holds the space the next run needs.
                if (File.Exists(temporary)) File.Delete(temporary);
                if (CacheFullException.IsDiskFull(e)) throw new CacheFullException(folder, e);
                throw;
            }

            _dirty = false;
        }
    }

    private void Write(string path)
    {
        using var writer = new BinaryWriter(File.Create(path), Encoding.UTF8);
        writer.Write(Magic);
        writer.Write(_root);
        var entries = Merged().ToList();
        writer.Write(entries.Count);
        foreach (var (name, entry) in entries)
        {
            var s = entry.Stamp;
            writer.Write(name);
            writer.Write(s.Device);
            writer.Write(s.Inode);
            writer.Write(s.Size);
            writer.Write(s.MtimeNs);
            writer.Write(s.CtimeNs);
            writer.Write(entry.Hash);
        }
    }

    private static Dictionary<string, Entry> Read(string path, string root)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            // One read of the whole file (a 10,000-file workspace is about 0.8 MB): every `layer run` loads it.
            using var reader = new BinaryReader(new MemoryStream(File.ReadAllBytes(path)), Encoding.UTF8);
            if (reader.ReadString() != Magic || reader.ReadString() != root) return entries;
            var count = reader.ReadInt32();
            entries.EnsureCapacity((int)Math.Clamp(count, 0, reader.BaseStream.Length / (HashBytes + 40)));   // a damaged count must not allocate wildly
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var entry = new Entry { Stamp = new FileStamp(reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64()) };
                if (reader.Read(entry.Hash) != HashBytes) throw new EndOfStreamException("a stat hash cache ends inside a hash");
                entries[name] = entry;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            // Missing or damaged: start empty; the worst case is re-hashing.
            entries.Clear();
        }

        return entries;
    }
}
