using LiteDB;
using LiteDB.Engine;

namespace Layer.Engine.Cache;

/// <summary>
/// LiteDB's engine for an index that several `layer` processes use at once: every operation opens the file
/// while it holds an exclusive flock on a file beside it, and closes it before letting go (what LiteDB's
/// shared mode does with a named mutex). That mutex's name is a SHA-1 of the path, and SHA-1 in .NET on
/// Linux is OpenSSL: loading it was 2 ms of every no-change `layer run`, which no other part needs. An
/// flock also ends with its holder, however the process dies.
/// <para>
/// Every operation, whoever calls it and when, meets damage the same way (<see cref="IndexDamage"/>): under
/// the same hold of the lock, the file is moved aside, <paramref name="damaged"/> hears one line, and the
/// operation runs again on a fresh file. A query reads all its results under the lock, so none comes from a
/// file found damaged later in the same query. A full disk becomes <see cref="CacheFullException"/>.
/// </para>
/// <para>A run of an older `layer` (shared mode) on the same cache at the same time is not excluded.</para>
/// Explicit transactions are not offered: each operation is its own transaction, as the store uses them.
/// </summary>
/// <param name="storeCollection">The collection every index made by the store has; a file without it is damaged.</param>
/// <param name="indexes">Fields of <paramref name="storeCollection"/> indexed in a new file.</param>
internal sealed class LockedFileEngine(EngineSettings settings, string storeCollection, IReadOnlyList<string> indexes, Action<string> damaged) : ILiteEngine
{
    private readonly string _lockPath = settings.Filename + ".lock";

    /// <summary>
    /// Whether this process has seen the store's collection in the file. Looking it up costs a query of its
    /// own (a sixth of a no-change run's instructions when done on every operation), and a file that had it
    /// can only lose it to damage that LiteDB's own checks meet on the way.
    /// </summary>
    private bool _collectionSeen;

    private T Locked<T>(Func<LiteEngine, T> operation)
    {
        try
        {
            using var held = Acquire();
            try
            {
                return Run(operation);
            }
            catch (Exception e) when (IndexDamage.Is(e))
            {
                damaged(IndexDamage.MoveAside(settings.Filename));
                _collectionSeen = false;
                return Run(operation);
            }
        }
        catch (IOException e) when (e is not CacheFullException && CacheFullException.IsDiskFull(e))
        {
            throw new CacheFullException(Path.GetDirectoryName(Path.GetFullPath(settings.Filename))!, e);
        }
    }

    /// <summary>One operation on the file, opened for it; call holding the lock.</summary>
    private T Run<T>(Func<LiteEngine, T> operation)
    {
        var created = IndexDamage.CheckBeforeOpening(settings.Filename);
        try
        {
            using var engine = IndexDamage.Open(settings);
            if (created || (!_collectionSeen && IsBare(engine)))
            {
                foreach (var field in indexes) engine.EnsureIndex(storeCollection, field, BsonExpression.Create(field), unique: false);
            }

            _collectionSeen = true;

            return operation(engine);
        }
        catch (IOException e) when (created && CacheFullException.IsDiskFull(e))
        {
            // A new file the disk could not hold has nothing in it; left half written, the next open would call it damaged.
            File.Delete(settings.Filename);
            File.Delete(IndexDamage.JournalOf(settings.Filename));
            throw;
        }
    }

    /// <summary>
    /// Whether the file is only a header (a process stopped between creating it and its first write): nothing
    /// was stored, it is made like a new one. A longer file without the collection is damaged.
    /// </summary>
    private bool IsBare(LiteEngine engine)
    {
        using (var names = engine.Query("$cols", new Query()))
        {
            while (names.Read())
            {
                if (names.Current["name"] == storeCollection) return false;
            }
        }

        if (new FileInfo(settings.Filename).Length > IndexDamage.PageBytes) throw new DamagedIndexException($"it has no collection {storeCollection}");
        return true;
    }

    public IBsonDataReader Query(string collection, Query query) => Locked(engine =>
    {
        using var reader = engine.Query(collection, query);
        var values = new List<BsonValue>();
        while (reader.Read()) values.Add(reader.Current);
        return (IBsonDataReader)new ReadResults(values, reader.Collection);
    });

    public int Insert(string collection, IEnumerable<BsonDocument> docs, BsonAutoId autoId) => Locked(e => e.Insert(collection, docs, autoId));

    public int Update(string collection, IEnumerable<BsonDocument> docs) => Locked(e => e.Update(collection, docs));

    public int UpdateMany(string collection, BsonExpression transform, BsonExpression predicate) => Locked(e => e.UpdateMany(collection, transform, predicate));

    public int Upsert(string collection, IEnumerable<BsonDocument> docs, BsonAutoId autoId) => Locked(e => e.Upsert(collection, docs, autoId));

    public int Delete(string collection, IEnumerable<BsonValue> ids) => Locked(e => e.Delete(collection, ids));

    public int DeleteMany(string collection, BsonExpression predicate) => Locked(e => e.DeleteMany(collection, predicate));

    public bool DropCollection(string name) => Locked(e => e.DropCollection(name));

    public bool RenameCollection(string name, string newName) => Locked(e => e.RenameCollection(name, newName));

    public bool EnsureIndex(string collection, string name, BsonExpression expression, bool unique) => Locked(e => e.EnsureIndex(collection, name, expression, unique));

    public bool DropIndex(string collection, string name) => Locked(e => e.DropIndex(collection, name));

    public BsonValue Pragma(string name) => Locked(e => e.Pragma(name));

    public bool Pragma(string name, BsonValue value) => Locked(e => e.Pragma(name, value));

    public int Checkpoint() => Locked(e => e.Checkpoint());

    public long Rebuild(RebuildOptions options) => Locked(e => e.Rebuild(options));

    public bool BeginTrans() => throw new NotSupportedException("the cache index makes no explicit transactions");

    public bool Commit() => throw new NotSupportedException("the cache index makes no explicit transactions");

    public bool Rollback() => throw new NotSupportedException("the cache index makes no explicit transactions");

    public void Dispose()
    {
        // Nothing stays open between operations.
    }

    /// <summary>
    /// The lock, waiting while another holder has it (holders keep it for one operation: milliseconds).
    /// .NET takes FileShare.None as flock(LOCK_EX | LOCK_NB), which also excludes another open in this
    /// process and which the kernel drops when its holder dies.
    /// </summary>
    private FileStream Acquire()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var wait = 1; ; wait = Math.Min(wait * 2, 20))
        {
            try
            {
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (File.Exists(_lockPath))
            {
                if (waited.Elapsed > LongestWait) throw new IOException($"the cache index stayed locked for {LongestWait.TotalSeconds:0} s ({_lockPath}): {e.Message}", e);
                Thread.Sleep(wait);
            }
        }
    }

    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(1);

    /// <summary>A query's results, read whole while the file was open.</summary>
    private sealed class ReadResults(List<BsonValue> values, string collection) : IBsonDataReader
    {
        private int _at = -1;

        public BsonValue this[string field] => Current.AsDocument[field] ?? BsonValue.Null;

        public string Collection => collection;

        public BsonValue Current => _at >= 0 && _at < values.Count ? values[_at] : BsonValue.Null;

        public bool HasValues => values.Count > 0;

        public bool Read() => ++_at < values.Count;

        public void Dispose()
        {
        }
    }
}
