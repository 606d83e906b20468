using System.Runtime.InteropServices;
using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Protocol;

/// <summary>
/// FUSE passthrough (Linux 6.9, protocol 7.40): an OPEN answered with FOPEN_PASSTHROUGH and a backing
/// id makes the kernel read the host file itself, so READs never reach us (the kernel's own page
/// cache of the host file, no round trip per 128 KiB). The kernel insists that every open of a node
/// open in passthrough uses the same backing file, and that a node open the ordinary (cached) way is
/// never opened in passthrough at the same time: so one backing per node while any of its handles is
/// open, and no passthrough for a node that has an ordinary handle open.
/// Registering a backing file needs CAP_SYS_ADMIN; any failure just leaves that open to READs.
/// </summary>
internal sealed class BackingFiles(SafeHandle device, Action<string> log)
{
    private readonly Dictionary<ulong, Node> _nodes = new();
    private readonly Dictionary<ulong, ulong> _handles = new();
    private readonly Lock _gate = new();
    private int _warned;

    /// <summary>
    /// A backing id for <paramref name="handle"/> of <paramref name="node"/>, whose host file is open at
    /// <paramref name="file"/>, or -1: serve this open with READs. <paramref name="sameFile"/> is false
    /// when the node's backing file, which the kernel will read for this handle too, is no longer the
    /// file at the handle's path (replaced on the host while open).
    /// </summary>
    public int Attach(ulong node, ulong handle, SafeHandle file, out bool sameFile)
    {
        sameFile = true;
        lock (_gate)
        {
            _nodes.TryGetValue(node, out var state);
            if (state is { BackingId: >= 0 })
            {
                sameFile = Identity(file) is { } identity && identity == state.Identity;
                state.Opens++;
                _handles[handle] = node;
                return state.BackingId;
            }

            var id = state is null ? Register(file) : -1;
            state ??= new Node(id, id >= 0 ? Identity(file) : null);
            state.Opens++;
            _nodes[node] = state;
            _handles[handle] = node;
            return id;
        }
    }

    /// <summary>The handle is released: the last one of its node gives the backing id back.</summary>
    public void Detach(ulong handle)
    {
        int id;
        lock (_gate)
        {
            if (!_handles.Remove(handle, out var node) || !_nodes.TryGetValue(node, out var state)) return;
            if (--state.Opens > 0) return;
            _nodes.Remove(node);
            id = state.BackingId;
        }

        if (id >= 0) Close(id);
    }

    private unsafe int Register(SafeHandle file)
    {
        var map = new fuse_backing_map { fd = (int)file.DangerousGetHandle() };
        var id = Ioctl(device, FuseConstants.FUSE_DEV_IOC_BACKING_OPEN, &map);
        if (id >= 0) return id;
        var errno = Io.LastErrno;
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            log($"the kernel refused to read a host file directly (FUSE passthrough: {Io.Describe(errno)}); serving reads ourselves");
        }

        return -1;
    }

    private unsafe void Close(int id)
    {
        var value = (uint)id;
        if (Ioctl(device, FuseConstants.FUSE_DEV_IOC_BACKING_CLOSE, &value) < 0 && Io.LastErrno != Errno.ENODEV)
        {
            log($"releasing passthrough backing {id} failed: {Io.Describe(Io.LastErrno)}");
        }
    }

    private static (ulong Device, ulong Inode)? Identity(SafeHandle file)
    {
        if (FStat(file, out var st) != 0) return null;
        return (((ulong)st.stx_dev_major << 32) | st.stx_dev_minor, st.stx_ino);
    }

    /// <summary>A node with open handles: all in passthrough on one backing (id >= 0), or all ordinary (-1).</summary>
    private sealed class Node(int backingId, (ulong Device, ulong Inode)? identity)
    {
        public int BackingId { get; } = backingId;

        public (ulong Device, ulong Inode)? Identity { get; } = identity;

        public int Opens { get; set; }
    }
}
