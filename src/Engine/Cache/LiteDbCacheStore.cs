using LiteDB;
using LiteDB.Engine;

namespace Layer.Engine.Cache;

/// <summary>
/// The step cache in one LiteDB file. Every operation opens it under a system-wide lock (<see cref="LockedFileEngine"/>),
/// so two <c>layer run</c>s on one cache both read and write safely. Each write is one
/// LiteDB transaction (journaled), so a crash or a full disk leaves the previous state or the new one, never half.
/// A damaged file is moved aside and replaced by an empty one, whichever operation finds it (<see cref="IndexDamage"/>).
/// Documents are mapped by hand with a private mapper, never <c>BsonMapper.Global</c>.
/// </summary>
public sealed class LiteDbCacheStore : ICacheStore
{
    private const string Steps = "steps";
    private static readonly string[] Indexed = ["key", "parent"];
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _steps;

    private LiteDbCacheStore(LiteDatabase db)
    {
        _db = db;
        _steps = db.GetCollection(Steps);
    }

    /// <summary>Opens (or creates) the index file at <paramref name="path"/>.</summary>
    /// <param name="damaged">Hears the one line that says a damaged file was moved aside; by default, standard error.</param>
    /// <exception cref="CacheFullException">(From any operation) the disk under the file is full.</exception>
    public static LiteDbCacheStore Open(string path, Action<string>? damaged = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var engine = new LockedFileEngine(new EngineSettings { Filename = path, Upgrade = true }, Steps, Indexed, damaged ?? (line => Console.Error.WriteLine("layer: " + line)));
        return new LiteDbCacheStore(new LiteDatabase(engine, new BsonMapper()));
    }

    /// <summary>Where a cache folder keeps its index.</summary>
    public static string PathIn(Vm.Host.CacheDirectory cache) => Path.Combine(cache.Root, "index.db");

    /// <summary>Opens (or creates) the index of a cache folder.</summary>
    public static LiteDbCacheStore OpenIn(Vm.Host.CacheDirectory cache, Action<string>? damaged = null) => Open(PathIn(cache), damaged);

    /// <summary>A store on a stream (tests).</summary>
    internal static LiteDbCacheStore Open(Stream stream)
    {
        var store = new LiteDbCacheStore(new LiteDatabase(stream, new BsonMapper()));
        foreach (var field in Indexed) store._steps.EnsureIndex(field);
        return store;
    }

    // With the value as a parameter, LiteDB parses and compiles each query's text once per process and
    // takes it from its cache after (Query.EQ writes the value into the text: a new parse every lookup).
    public IReadOnlyList<CacheEntry> Candidates(string key) =>
        _steps.Find(BsonExpression.Create("key = @0", new BsonValue(key))).Where(IsCurrent).Select(FromDocument)
            .OrderByDescending(e => e.LastUsed).ThenByDescending(e => e.Created).ToList();

    public IReadOnlyList<CacheEntry> WithParent(string parent) =>
        _steps.Find(BsonExpression.Create("parent = @0", new BsonValue(parent))).Where(IsCurrent).Select(FromDocument)
            .OrderByDescending(e => e.LastUsed).ThenByDescending(e => e.Created).ToList();

    public void Add(CacheEntry entry) => _steps.Upsert(ToDocument(entry));

    /// <summary>
    /// One UpdateMany: every LiteDB operation opens the file and allocates a page cache, so a
    /// no-change run touches all its hits at once instead of a find and an update per step.
    /// </summary>
    public void Touch(IReadOnlyCollection<string> ids, DateTime when)
    {
        if (ids.Count == 0) return;
        _steps.UpdateMany(BsonExpression.Create("{ lastUsed: @0 }", new BsonValue(when)), Query.In("_id", ids.Select(id => new BsonValue(id))));
    }

    public IReadOnlyList<CacheEntry> All() => _steps.FindAll().Where(IsCurrent).Select(FromDocument).OrderBy(e => e.Created).ToList();

    /// <summary>
    /// Documents of another shape are never hits (pruning drops their layers): entries written before the read
    /// set became binary, and garbage that happened to read as a document.
    /// </summary>
    private static bool IsCurrent(BsonDocument d) =>
        d["readset"].IsBinary && d["_id"].IsString && d["key"].IsString && d["parent"].IsString && d["inputs"].IsString && d["layer"].IsString &&
        d["instruction"].IsString && d["layerfile"].IsString && d["line"].IsInt32 && d["seconds"].IsDouble && d["created"].IsDateTime && d["lastUsed"].IsDateTime;

    public void Remove(IEnumerable<string> ids)
    {
        foreach (var id in ids) _steps.Delete(id);
    }

    public void Dispose() => _db.Dispose();

    private static BsonDocument ToDocument(CacheEntry e) => new()
    {
        ["_id"] = e.Id,
        ["key"] = e.Key,
        ["parent"] = e.Parent,
        ["inputs"] = e.Inputs,
        ["layer"] = e.LayerId,
        ["readset"] = e.ReadSet,
        ["instruction"] = e.Instruction,
        ["layerfile"] = e.Layerfile,
        ["line"] = e.Line,
        ["seconds"] = e.Seconds,
        ["created"] = e.Created,
        ["lastUsed"] = e.LastUsed,
    };

    private static CacheEntry FromDocument(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Key = d["key"].AsString,
        Parent = d["parent"].AsString,
        Inputs = d["inputs"].AsString,
        LayerId = d["layer"].AsString,
        ReadSet = d["readset"].AsBinary,
        Instruction = d["instruction"].AsString,
        Layerfile = d["layerfile"].AsString,
        Line = d["line"].AsInt32,
        Seconds = d["seconds"].AsDouble,
        Created = d["created"].AsDateTime.ToUniversalTime(),
        LastUsed = d["lastUsed"].AsDateTime.ToUniversalTime(),
    };
}
