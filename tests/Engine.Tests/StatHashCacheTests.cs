using Layer.Engine.Cache;
using Layer.Fs.Tracking;

namespace Layer.Engine.Tests;

public sealed class StatHashCacheTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("layer-stathash-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static long Ns(DateTime t) => (t - DateTime.UnixEpoch).Ticks * 100;

    private static readonly DateTime Old = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_hash_is_found_only_under_the_exact_stamp()
    {
        var cache = StatHashCache.InMemory();
        var stamp = new FileStamp(1, 2, 3, Ns(Old), Ns(Old));
        cache.Store("a.txt", stamp, "h");
        Assert.True(cache.TryGet("a.txt", stamp, out var hash));
        Assert.Equal("h", hash);
        Assert.False(cache.TryGet("a.txt", stamp with { Size = 4 }, out _));
        Assert.False(cache.TryGet("a.txt", stamp with { MtimeNs = stamp.MtimeNs + 1 }, out _));
        Assert.False(cache.TryGet("b.txt", stamp, out _));
    }

    [Fact]
    public void A_racily_recent_stamp_is_not_remembered()
    {
        var now = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        var cache = StatHashCache.InMemory(() => now);
        cache.Store("fresh", new FileStamp(1, 2, 3, Ns(now.AddMilliseconds(-500)), Ns(Old)), "h");
        cache.Store("fresh-ctime", new FileStamp(1, 3, 3, Ns(Old), Ns(now)), "h");
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Saved_hashes_load_again_and_a_damaged_file_loads_empty()
    {
        var cache = StatHashCache.Load(_folder.FullName, "/some/repo");
        var stamp = new FileStamp(1, 2, 3, Ns(Old), Ns(Old));
        cache.Store("dir/a b.txt", stamp, "abc");
        cache.Save();
        var again = StatHashCache.Load(_folder.FullName, "/some/repo");
        Assert.True(again.TryGet("dir/a b.txt", stamp, out var hash));
        Assert.Equal("abc", hash);
        Assert.Equal(0, StatHashCache.Load(_folder.FullName, "/other/repo").Count);

        var file = Assert.Single(_folder.GetFiles("*.stathash"));
        File.WriteAllBytes(file.FullName, File.ReadAllBytes(file.FullName)[..30]);
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
                cache.Store("a.txt", stamp, "h");
                cache.Save();
            }

            File.WriteAllText(Path.Combine(_folder.FullName, "old.stathash"), "layer.stathash.v1 and whatever followed");
            gone.Delete(recursive: true);

            var (count, bytes) = StatHashCache.PruneGone(_folder.FullName);
            Assert.Equal(2, count);
            Assert.True(bytes > 0);
            Assert.Single(_folder.GetFiles("*.stathash"));
            Assert.True(StatHashCache.Load(_folder.FullName, live.FullName).TryGet("a.txt", stamp, out _));
        }
        finally
        {
            live.Delete(recursive: true);
            if (Directory.Exists(gone.FullName)) gone.Delete(recursive: true);
        }
    }
}
