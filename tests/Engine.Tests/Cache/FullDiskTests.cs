using Layer.Engine.Cache;
using Layer.Fs.Tracking;
using Layer.Testing;

namespace Layer.Engine.Tests.Cache;

/// <summary>
/// A full disk under the cache folder ends the write with <see cref="CacheFullException"/> (what to do, where),
/// and once space is freed the cache is whole: the index opens with every earlier entry and is not taken
/// for damaged, and no half-written file is left behind.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private static readonly DateTime T = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<string> _said = [];
    private Tmpfs? _disk;

    public void Dispose() => _disk?.Dispose();

    private Tmpfs Disk(string size) => _disk = new Tmpfs(size);

    private LiteDbCacheStore Open(string path) => LiteDbCacheStore.Open(path, _said.Add);

    private static CacheEntry Entry(int i, int readSetBytes)
    {
        var readSet = new byte[readSetBytes];
        new Random(i).NextBytes(readSet);
        return CacheStoreContract.Entry($"e{i}", $"k{i % 3}", T.AddMinutes(i)) with { ReadSet = readSet };
    }

    private static void AssertClear(CacheFullException e, string folder)
    {
        Assert.Equal(folder, e.Folder);
        Assert.Contains(folder, e.Message);
        Assert.Contains("free", e.Message);
        Assert.Contains("layer cache prune", e.Message);
    }

    [HostFact(Needs.Root)]
    public void An_add_on_a_full_disk_fails_clearly_and_the_index_keeps_its_entries_however_much_space_was_left()
    {
        var (full, unfinished) = (0, 0);
        // From nothing left to enough for the entry: the disk fills while the journal is written, or while
        // the journal is copied into the index (which LiteDB does not report: the entry is in the journal).
        // A disk each time: LiteDB keeps its files open after a failed write, so deleting them frees nothing.
        for (var free = 0; free <= 160 * 1024; free += 4096)
        {
            using var disk = new Tmpfs("1m");
            var path = Path.Combine(disk.Root, "index.db");
            using (var store = Open(path))
            {
                for (var i = 0; i < 10; i++) store.Add(Entry(i, 1000));
            }

            disk.Fill(free);
            using (var store = Open(path))
            {
                try
                {
                    store.Add(Entry(100, 30_000));
                    // The entry is in the journal, but the file it is copied into ends inside a page.
                    if (File.Exists(Path.Combine(disk.Root, "index-log.db")) && new FileInfo(path).Length % 8192 != 0) unfinished++;
                }
                catch (CacheFullException e)
                {
                    AssertClear(e, disk.Root);
                    full++;
                }
            }

            disk.Free();
            using (var store = Open(path))
            {
                var ids = store.All().Select(e => e.Id).ToList();
                Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"), ids.Where(id => id != "e100"));
                store.Add(Entry(101, 1000));
                Assert.Contains("e101", store.All().Select(e => e.Id));
            }

            Assert.Empty(_said);
            Assert.Empty(Directory.GetFiles(disk.Root, "*.damaged-*"));
        }

        Assert.True(full > 0, "the disk was never full when adding");
        Assert.True(unfinished > 0, "the disk was never full while the journal was copied into the index");
    }

    [HostFact(Needs.Root)]
    public void Creating_the_index_on_a_full_disk_fails_clearly_and_leaves_nothing_taken_for_damage()
    {
        var disk = Disk("1m");
        var path = Path.Combine(disk.Root, "index.db");
        disk.Fill();
        using (var store = Open(path))
        {
            AssertClear(Assert.Throws<CacheFullException>(() => store.Add(Entry(1, 100))), disk.Root);
        }

        disk.Free();
        using (var store = Open(path))
        {
            store.Add(Entry(2, 100));
            Assert.Equal(["e2"], store.All().Select(e => e.Id));
        }

        Assert.Empty(_said);
    }

    [HostFact(Needs.Root)]
    public void Saving_file_stamps_on_a_full_disk_fails_clearly_keeps_the_saved_file_and_leaves_no_temporary_file()
    {
        var disk = Disk("1m");
        var folder = Path.Combine(disk.Root, "stathash");
        var workspace = Directory.CreateTempSubdirectory("layer-workspace-");
        try
        {
            var old = new FileStamp(1, 1, 10, 0, 0);
            var hash = new byte[StatHashCache.HashBytes];
            var cache = StatHashCache.Load(folder, workspace.FullName);
            cache.Store("a.txt", old, hash);
            cache.Save();

            cache = StatHashCache.Load(folder, workspace.FullName);
            for (var i = 0; i < 20_000; i++) cache.Store($"file-{i}.txt", old, hash);
            disk.Fill();
            AssertClear(Assert.Throws<CacheFullException>(cache.Save), folder);
            Assert.Equal(["a"], Directory.GetFiles(folder).Select(f => Path.GetExtension(f) == ".stathash" ? "a" : f));

            disk.Free();
            Assert.True(StatHashCache.Load(folder, workspace.FullName).TryGet("a.txt", old, hash));
        }
        finally
        {
            workspace.Delete();
        }
    }
}
