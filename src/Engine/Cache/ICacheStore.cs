namespace Layer.Engine.Cache;

/// <summary>
/// The step cache. A lookup that finds nothing is an empty list (a miss), never an exception; an
/// exception means the store itself failed. Writes are atomic: a reader sees an entry whole or not at all.
/// </summary>
public interface ICacheStore : IDisposable
{
    /// <summary>The candidates stored under <paramref name="key"/>, most recently used first.</summary>
    IReadOnlyList<CacheEntry> Candidates(string key);

    /// <summary>Entries whose key was computed on <paramref name="parent"/>, most recently used first.</summary>
    IReadOnlyList<CacheEntry> WithParent(string parent);

    /// <summary>Records an entry. Call only once its layer is committed on disk.</summary>
    void Add(CacheEntry entry);

    /// <summary>Marks entries used at <paramref name="when"/> (least recently used entries are pruned first), in one write; unknown ids are ignored.</summary>
    void Touch(IReadOnlyCollection<string> ids, DateTime when);

    IReadOnlyList<CacheEntry> All();

    /// <summary>Removes entries; unknown ids are ignored.</summary>
    void Remove(IEnumerable<string> ids);
}
