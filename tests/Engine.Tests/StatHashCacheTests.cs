using Layer.Engine.Cache;
using Layer.Fs.Tracking;

namespace Layer.Engine.Tests;

public sealed class StatHashCacheTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("layer-stathash-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static long Ns(DateTime t) => (t - DateTime.UnixEpoch).Ticks * 100;

    private static readonly DateTime Old = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static byte[] H(byte seed) => Enumerable.Range(0, StatHashCache.HashBytes).Select(i => (byte)(seed + i)).ToArray();

    private static byte[]? Get(StatHashCache cache, string path, FileStamp stamp)
    {
        var hash = new byte[StatHashCache.HashBytes];
        return cache.TryGet(path, stamp, hash) ? hash : null;
    }

    [Fact]
    public void A_hash_is_found_only_under_the_exact_stamp()
    {
        var cache = StatHashCache.InMemory();
        var stamp = new FileStamp(1, 2, 3, Ns(Old), Ns(Old));
        cache.Store("a.txt", stamp, H(7));
        Assert.Equal(H(7), Get(cache, "a.txt", stamp));
        Assert.Null(Get(cache, "a.txt", stamp with { Size = 4 }));
        Assert.Null(Get(cache, "a.txt", stamp with { MtimeNs = stamp.MtimeNs + 1 }));
        Assert.Null(Get(cache, "b.txt", stamp));
        Assert.Throws<ArgumentException>(() => cache.Store("c.txt", stamp, new byte[31]));
    }

    [Fact]
    public void A_racily_recent_stamp_is_not_remembered()
    {
        var now = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        var cache = StatHashCache.InMemory(() => now);
        cache.Store("fresh", new FileStamp(1, 2, 3, Ns(now.AddMilliseconds(-500)), Ns(Old)), H(1));
        cache.Store("fresh-ctime", new FileStamp(1, 3, 3, Ns(Old), Ns(now)), H(1));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Saved_hashes_load_again_and_a_damaged_file_loads_empty()
    {
        var cache = StatHashCache.Load(_folder.FullName, "/some/repo");
        var stamp = new FileStamp(1, 2, 3, Ns(Old), Ns(Old));
        cache.Store("dir/a b.txt", stamp, H(200));
        cache.Store("ü", stamp with { Inode = 9 }, H(3));
        cache.Save();
        var again = StatHashCache.Load(_folder.FullName, "/some/repo");
        Assert.Equal(H(200), Get(again, "dir/a b.txt", stamp));
        Assert.Equal(H(3), Get(again, "ü", stamp with { Inode = 9 }));
        Assert.Equal(0, StatHashCache.Load(_folder.FullName, "/other/repo").Count);

        var file = Assert.Single(_folder.GetFiles("*.stathash"));
        var whole = File.ReadAllBytes(file.FullName);
        File.WriteAllBytes(file.FullName, whole[..^5]);   // cut inside the last hash
        Assert.Equal(0, StatHashCache.Load(_folder.FullName, "/some/repo").Count);
        File.WriteAllBytes(file.FullName, whole[..30]);
        Assert.Equal(0, StatHashCache.Load(_folder.FullName, "/some/repo").Count);
    }

    [Fact]
    public void What_a_run_learns_joins_what_was_loaded_and_a_newer_entry_replaces_the_saved_one()
    {
        var stamp = new FileStamp(1, 2, 3, Ns(Old), Ns(Old));
        var first = StatHashCache.Load(_folder.FullName, "/some/repo");
        first.Store("kept", stamp, H(1));
        first.Store("edited", stamp, H(2));
        first.Save();

        var second = StatHashCache.Load(_folder.FullName, "/some/repo");
        var edited = stamp with { MtimeNs = stamp.MtimeNs + 5 };
        second.Store("edited", edited, H(9));
        second.Store("new", stamp, H(4));
        Assert.Equal(H(1), Get(second, "kept", stamp));
        Assert.Equal(H(9), Get(second, "edited", edited));
        Assert.Equal(H(2), Get(second, "edited", stamp));   // still true of that stamp, within this run
        Assert.Equal(3, second.Count);
        second.Save();

        var third = StatHashCache.Load(_folder.FullName, "/some/repo");
        Assert.Equal(3, third.Count);
        Assert.Equal(H(1), Get(third, "kept", stamp));
        Assert.Equal(H(9), Get(third, "edited", edited));
        Assert.Null(Get(third, "edited", stamp));
        Assert.Equal(H(4), Get(third, "new", stamp));
    }

    [Fact]
    public void Listings_are_remembered_only_for_a_workspace_on_a_local_filesystem()
    {
        Assert.True(StatHashCache.Load(_folder.FullName, _folder.FullName).RemembersListings);   // a temporary folder: ext4 or tmpfs
        Assert.False(StatHashCache.Load(_folder.FullName, "/proc").RemembersListings);
        Assert.False(StatHashCache.InMemory().RemembersListings);
    }

    [Fact]
    public void A_cache_of_the_older_hex_format_loads_empty()
    {
        // v2 as it was written: magic, root, count, then per file its path, stamp and hash as a hex string.
        var cache = StatHashCache.Load(_folder.FullName, "/some/repo");
        cache.Store("a.txt", new FileStamp(1, 2, 3, Ns(Old), Ns(Old)), H(1));
        cache.Save();
        var file = Assert.Single(_folder.GetFiles("*.stathash"));
        using (var writer = new BinaryWriter(File.Create(file.FullName), System.Text.Encoding.UTF8))
        {
            writer.Write("layer.stathash.v2");
            writer.Write("/some/repo");
            writer.Write(1);
            writer.Write("a.txt");
            foreach (var value in new long[] { 1, 2, 3, Ns(Old), Ns(Old) }) writer.Write(value);
            writer.Write(Convert.ToHexStringLower(H(1)));
        }

        Assert.Equal(0, StatHashCache.Load(_folder.FullName, "/some/repo").Count);
    }

    [Fact]
    public void Pruning_drops_the_caches_of_folders_that_are_gone_and_keeps_the_others()
    {
        var live = Directory.CreateTempSubdirectory("layer-stathash-live-");
        var gone = Directory.CreateTempSubdirectory("layer-stathash-gone-");
        try
        {
            var stamp = new FileStamp(1, 2, 3, Ns(Old), Ns(Old));
            foreach (var root in new[] { live.FullName, gone.FullName })
            {
                var cache = StatHashCache.Load(_folder.FullName, root);
                cache.Store("a.txt", stamp, H(5));
                cache.Save();
            }

            File.WriteAllText(Path.Combine(_folder.FullName, "old.stathash"), "layer.stathash.v1 and whatever followed");
            gone.Delete(recursive: true);

            var (count, bytes) = StatHashCache.PruneGone(_folder.FullName);
            Assert.Equal(2, count);
            Assert.True(bytes > 0);
            Assert.Single(_folder.GetFiles("*.stathash"));
            Assert.NotNull(Get(StatHashCache.Load(_folder.FullName, live.FullName), "a.txt", stamp));
        }
        finally
        {
            live.Delete(recursive: true);
            if (Directory.Exists(gone.FullName)) gone.Delete(recursive: true);
        }
    }
}
