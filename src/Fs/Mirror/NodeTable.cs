using Layer.Fs.Protocol;

namespace Layer.Fs.Mirror;

/// <summary>
/// Maps the kernel's node ids to root-relative paths ("" is the root). A path keeps one id while the
/// kernel holds lookups on it (LOOKUP adds one, FORGET removes n); ids are never reused, so
/// nodeid:generation stays unique for the mount's life with generation 0.
/// </summary>
internal sealed class NodeTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Node> _byId = new();
    private readonly Dictionary<string, Node> _byPath = new(StringComparer.Ordinal);
    private ulong _nextId = FuseConstants.FUSE_ROOT_ID + 1;

    public NodeTable()
    {
        var root = new Node(FuseConstants.FUSE_ROOT_ID, "") { Lookups = 1 };
        _byId.Add(root.Id, root);
        _byPath.Add(root.Path, root);
    }

    public int Count
    {
        get
        {
            lock (_gate) return _byId.Count;
        }
    }

    public string? PathOf(NodeId node)
    {
        lock (_gate) return _byId.TryGetValue(node.Value, out var n) ? n.Path : null;
    }

    /// <summary>The id for a path, counting one more kernel lookup on it.</summary>
    public NodeId Acquire(string path)
    {
        lock (_gate)
        {
            if (!_byPath.TryGetValue(path, out var node))
            {
                node = new Node(_nextId++, path);
                _byId.Add(node.Id, node);
                _byPath.Add(path, node);
            }

            node.Lookups++;
            return new NodeId(node.Id);
        }
    }

    public void Forget(NodeId id, ulong lookups)
    {
        if (id.Value == FuseConstants.FUSE_ROOT_ID) return;
        lock (_gate)
        {
            if (!_byId.TryGetValue(id.Value, out var node)) return;
            node.Lookups = lookups >= node.Lookups ? 0 : node.Lookups - lookups;
            if (node.Lookups != 0) return;
            _byId.Remove(node.Id);
            _byPath.Remove(node.Path);
        }
    }

    private sealed class Node(ulong id, string path)
    {
        public ulong Id { get; } = id;

        public string Path { get; } = path;

        public ulong Lookups { get; set; }
    }
}
