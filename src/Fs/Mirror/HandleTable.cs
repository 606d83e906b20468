using System.Collections.Concurrent;
using Layer.Fs.Protocol;

namespace Layer.Fs.Mirror;

/// <summary>Open files and directories by the handle number we gave the kernel.</summary>
internal sealed class HandleTable<T> where T : class
{
    private readonly ConcurrentDictionary<ulong, T> _items = new();
    private long _next;

    public int Count => _items.Count;

    public FileHandle Add(T item)
    {
        var handle = (ulong)Interlocked.Increment(ref _next);
        _items[handle] = item;
        return new FileHandle(handle);
    }

    public T? Get(FileHandle handle) => _items.TryGetValue(handle.Value, out var item) ? item : null;

    public T? Remove(FileHandle handle) => _items.TryRemove(handle.Value, out var item) ? item : null;

    public IReadOnlyCollection<T> All => (IReadOnlyCollection<T>)_items.Values;
}
