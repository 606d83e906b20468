namespace Layer.Engine.Cache;

/// <summary>The in-memory store: for tests of the logic above the cache, and the reference for the real one.</summary>
public sealed class MemoryCacheStore : ICacheStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CacheEntry> _entries = new(StringComparer.Ordinal);

    public IReadOnlyList<CacheEntry> Candidates(string key)
    {
        lock (_lock)
        {
            return _entries.Values.Where(e => e.Key == key).OrderByDescending(e => e.LastUsed).ThenByDescending(e => e.Created).ToList();
        }
    }

    public IReadOnlyList<CacheEntry> WithParent(string parent)
    {
        lock (_lock)
        {
            return _entries.Values.Where(e => e.Parent == parent).OrderByDescending(e => e.LastUsed).ThenByDescending(e => e.Created).ToList();
        }
    }

    public void Add(CacheEntry entry)
    {
        lock (_lock)
        {
            _entries[entry.Id] = entry;
        }
    }

    public void Touch(IReadOnlyCollection<string> ids, DateTime when)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (_entries.TryGetValue(id, out var entry)) _entries[id] = entry with { LastUsed = when };
            }
        }
    }

    public IReadOnlyList<CacheEntry> All()
    {
        lock (_lock)
        {
            return _entries.Values.OrderBy(e => e.Created).ToList();
        }
    }

    public void Remove(IEnumerable<string> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids) _entries.Remove(id);
        }
    }

    public void Dispose()
    {
    }
}
