using Layer.Engine.Cache;

namespace Layer.Engine.Tests;

/// <summary>One behaviour suite that every cache store passes (BuildKit's habit for storage backends).</summary>
public abstract class CacheStoreContract : IDisposable
{
    private readonly ICacheStore _store;
    private readonly string? _folder;

    /// <param name="store">The store under test.</param>
    /// <param name="folder">A folder the store lives in, deleted with it.</param>
    protected CacheStoreContract(ICacheStore store, string? folder = null)
    {
        _store = store;
        _folder = folder;
    }

    public void Dispose()
    {
        _store.Dispose();
        if (_folder is not null) Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    internal static CacheEntry Entry(string id, string key, DateTime created, string layer = "L") => new()
    {
        Id = id,
        Key = key,
        Parent = "P-" + key,
        Inputs = """{"instructions":["RUN true"]}""",
        LayerId = layer,
        ReadSet = Layer.Fs.Tracking.ReadSetCodec.Encode(Layer.Fs.Tracking.ReadSet.Empty),
        Instruction = "RUN true",
        Layerfile = "Layerfile",
        Line = 3,
        Seconds = 1.5,
        Created = created,
        LastUsed = created,
    };

    [Fact]
    public void A_key_never_stored_is_a_miss_not_an_error()
    {
        Assert.Empty(_store.Candidates("nothing"));
    }

    [Fact]
    public void Entries_come_back_whole_under_their_key_only()
    {
        var t = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        _store.Add(Entry("a", "k1", t, layer: "layer-a"));
        _store.Add(Entry("b", "k2", t));
        var found = Assert.Single(_store.Candidates("k1"));
        var expected = Entry("a", "k1", t, layer: "layer-a");
        Assert.Equal(expected with { ReadSet = found.ReadSet }, found);
        Assert.Equal(expected.ReadSet, found.ReadSet);
    }

    [Fact]
    public void Candidates_are_most_recently_used_first()
    {
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        _store.Add(Entry("old", "k", t));
        _store.Add(Entry("new", "k", t.AddHours(1)));
        Assert.Equal(["new", "old"], _store.Candidates("k").Select(e => e.Id));
        _store.Touch(["old", "unknown"], t.AddHours(2));
        Assert.Equal(["old", "new"], _store.Candidates("k").Select(e => e.Id));
        var touched = _store.Candidates("k")[0];
        Assert.Equal(Entry("old", "k", t) with { LastUsed = t.AddHours(2), ReadSet = touched.ReadSet }, touched);   // only lastUsed changed
        Assert.Equal(Entry("old", "k", t).ReadSet, touched.ReadSet);
    }

    [Fact]
    public void Entries_are_found_by_their_parent()
    {
        var t = DateTime.UtcNow;
        _store.Add(Entry("a", "k1", t));
        _store.Add(Entry("b", "k2", t));
        Assert.Equal(["b"], _store.WithParent("P-k2").Select(e => e.Id));
        Assert.Empty(_store.WithParent("P-k3"));
    }

    [Fact]
    public void Removed_entries_are_gone_and_unknown_ids_are_ignored()
    {
        var t = DateTime.UtcNow;
        _store.Add(Entry("a", "k", t));
        _store.Add(Entry("b", "k", t));
        _store.Remove(["a", "unknown"]);
        Assert.Equal(["b"], _store.All().Select(e => e.Id));
    }
}

public sealed class MemoryCacheStoreTests() : CacheStoreContract(new MemoryCacheStore());

public sealed class LiteDbStreamCacheStoreTests() : CacheStoreContract(LiteDbCacheStore.Open(new MemoryStream()));

public sealed class LiteDbFileCacheStoreTests : CacheStoreContract
{
    public LiteDbFileCacheStoreTests() : this(Directory.CreateTempSubdirectory("layer-cache-").FullName)
    {
    }

    private LiteDbFileCacheStoreTests(string folder) : base(LiteDbCacheStore.Open(Path.Combine(folder, "index.db")), folder)
    {
    }

    [Fact]
    public void Two_stores_on_one_file_both_write_and_see_each_other()
    {
        var folder = Directory.CreateTempSubdirectory("layer-cache-");
        var path = Path.Combine(folder.FullName, "index.db");
        var t = new DateTime(2026, 5, 5, 0, 0, 0, DateTimeKind.Utc);
        Parallel.For(0, 2, writer =>
        {
            using var store = LiteDbCacheStore.Open(path);
            for (var i = 0; i < 50; i++) store.Add(Entry($"{writer}-{i}", $"k{i % 5}", t));
        });
        using (var reader = LiteDbCacheStore.Open(path))
        {
            Assert.Equal(100, reader.All().Count);
            Assert.Equal(20, reader.Candidates("k3").Count);
        }

        folder.Delete(recursive: true);
    }

    [Fact]
    public void A_query_reads_its_results_whole_under_the_lock_so_a_write_neither_waits_for_nor_shows_in_it()
    {
        var folder = Directory.CreateTempSubdirectory("layer-cache-");
        var path = Path.Combine(folder.FullName, "index.db");
        var engine = new LockedFileEngine(new LiteDB.Engine.EngineSettings { Filename = path }, "steps", ["key"], _ => Assert.Fail("an intact index was taken for damaged"));
        using (var db = new LiteDB.LiteDatabase(engine, new LiteDB.BsonMapper()))
        {
            var steps = db.GetCollection("steps");
            steps.Insert(new LiteDB.BsonDocument { ["_id"] = "a" });
            using var reading = steps.FindAll().GetEnumerator();
            Assert.True(reading.MoveNext());
            Assert.True(Task.Run(() => steps.Insert(new LiteDB.BsonDocument { ["_id"] = "b" })).Wait(TimeSpan.FromSeconds(30)));
            Assert.False(reading.MoveNext());
            Assert.Equal(2, steps.Count());
        }

        folder.Delete(recursive: true);
    }
}
