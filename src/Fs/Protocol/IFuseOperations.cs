using System.Runtime.InteropServices;

namespace Layer.Fs.Protocol;

/// <summary>
/// The bridge between the protocol and a filesystem: what the server calls once a request is parsed,
/// size-checked and allowed. Results are 0 or a positive errno; replies are written by the server.
/// The passthrough mirror implements it, and the read tracker decorates it.
/// </summary>
internal interface IFuseOperations
{
    int Lookup(in RequestContext context, NodeId parent, ReadOnlySpan<byte> name, out fuse_entry_out entry);

    /// <summary>The kernel dropped <paramref name="lookups"/> references; FORGET gets no reply.</summary>
    void Forget(NodeId node, ulong lookups);

    int GetAttr(in RequestContext context, NodeId node, out fuse_attr attr);

    int ReadLink(in RequestContext context, NodeId node, Span<byte> destination, out int length);

    /// <summary><paramref name="flags"/> are the open(2) flags of the caller.</summary>
    int Open(in RequestContext context, NodeId node, uint flags, out FileHandle handle);

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; shorter only at end of file.</summary>
    int Read(in RequestContext context, NodeId node, FileHandle handle, long offset, Span<byte> destination, out int length);

    void Release(NodeId node, FileHandle handle);

    /// <summary>The host file that serves <paramref name="handle"/>, for the kernel to read itself
    /// (FUSE passthrough); null keeps its reads coming as READ requests.</summary>
    SafeHandle? BackingFile(FileHandle handle) => null;

    /// <summary>
    /// The kernel reads <paramref name="handle"/>'s file itself from now on: no READ will say whether or
    /// when it is read. <paramref name="sameFile"/> is false when what the kernel reads is another open
    /// of the node whose host file was replaced since (the bytes served are not the path's file).
    /// </summary>
    void ReadsBypassed(FileHandle handle, bool sameFile)
    {
    }

    int OpenDir(in RequestContext context, NodeId node, out FileHandle handle);

    /// <summary>Adds entries from <paramref name="offset"/> (0 = first) until the writer is full.</summary>
    int ReadDir(in RequestContext context, NodeId node, FileHandle handle, ulong offset, ref DirentWriter writer);

    void ReleaseDir(NodeId node, FileHandle handle);

    int StatFs(in RequestContext context, NodeId node, out fuse_kstatfs stat);

    int Access(in RequestContext context, NodeId node, int mask);

    /// <summary>An empty <paramref name="destination"/> asks for the size only; too small a one is ERANGE.</summary>
    int GetXattr(in RequestContext context, NodeId node, ReadOnlySpan<byte> name, Span<byte> destination, out int length);

    int ListXattr(in RequestContext context, NodeId node, Span<byte> destination, out int length);

    int Lseek(in RequestContext context, NodeId node, FileHandle handle, long offset, int whence, out long result);
}
