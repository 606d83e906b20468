using LiteDB;
using LiteDB.Engine;

namespace Layer.Engine.Cache;

/// <summary>
/// LiteDB's engine for an index that several `layer` processes use at once: every operation opens the file
/// while it holds an exclusive flock on a file beside it, and closes it before letting go (what LiteDB's
/// shared mode does with a named mutex). That mutex's name is a SHA-1 of the path, and SHA-1 in .NET on
/// Linux is OpenSSL: loading it was 2 ms of every no-change `layer run`, which no other part needs. An
/// flock also ends with its holder, however the process dies.
/// <para>A run of an older `layer` (shared mode) on the same cache at the same time is not excluded.</para>
/// Explicit transactions are not offered: each operation is its own transaction, as the store uses them.
/// </summary>
internal sealed class LockedFileEngine(EngineSettings settings) : ILiteEngine
{
    private readonly string _lockPath = settings.Filename + ".lock";

    private T Locked<T>(Func<LiteEngine, T> operation)
    {
        using var held = Acquire();
        using var engine = new LiteEngine(settings);
        return operation(engine);
    }

    /// <summary>The reader keeps the file open and locked until it is disposed (the end of a Find's enumeration).</summary>
    public IBsonDataReader Query(string collection, Query query)
    {
        var held = Acquire();
        LiteEngine? engine = null;
        try
        {
            engine = new LiteEngine(settings);
            return new LockedReader(engine.Query(collection, query), engine, held);
        }
        catch
        {
            engine?.Dispose();
            held.Dispose();
            throw;
        }
    }

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

    private sealed class LockedReader(IBsonDataReader reader, LiteEngine engine, FileStream held) : IBsonDataReader
    {
        public BsonValue this[string field] => reader[field];

        public string Collection => reader.Collection;

        public BsonValue Current => reader.Current;

        public bool HasValues => reader.HasValues;

        public bool Read() => reader.Read();

        public void Dispose()
        {
            reader.Dispose();
            engine.Dispose();
            held.Dispose();
        }
    }
}
