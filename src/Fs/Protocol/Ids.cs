namespace Layer.Fs.Protocol;

/// <summary>The kernel's name for a node (fuse_in_header.nodeid); 1 is the root.</summary>
internal readonly record struct NodeId(ulong Value)
{
    public static readonly NodeId Root = new(FuseConstants.FUSE_ROOT_ID);
}

/// <summary>Our name for an open file or directory, handed to the kernel in fuse_open_out.fh.</summary>
internal readonly record struct FileHandle(ulong Value);

/// <summary>Who sent a request, from fuse_in_header: the access decision and the tests use it.</summary>
internal readonly record struct RequestContext(ulong Unique, uint Uid, uint Gid, uint Pid);
