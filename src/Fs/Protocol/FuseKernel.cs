using System.Runtime.InteropServices;

#pragma warning disable IDE1006, CS8981 // the C names of <linux/fuse.h> on purpose: grep the header for any of them

namespace Layer.Fs.Protocol;

// Every request and reply struct of the FUSE kernel protocol that Layer uses, named and laid out
// exactly as <linux/fuse.h> (protocol 7.38) has them. tests/Fs.Tests/AbiLayoutTests compiles a C
// file asserting each offset and size against the installed header. The comment on a struct names
// the protocol minor version that introduced its current form.

/// <summary>struct fuse_attr (7.9 layout with blksize; flags since 7.32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_attr
{
    public ulong ino;
    public ulong size;
    public ulong blocks;
    public ulong atime;
    public ulong mtime;
    public ulong ctime;
    public uint atimensec;
    public uint mtimensec;
    public uint ctimensec;
    public uint mode;
    public uint nlink;
    public uint uid;
    public uint gid;
    public uint rdev;
    public uint blksize;
    public uint flags;
}

/// <summary>struct fuse_kstatfs.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct fuse_kstatfs
{
    public ulong blocks;
    public ulong bfree;
    public ulong bavail;
    public ulong files;
    public ulong ffree;
    public uint bsize;
    public uint namelen;
    public uint frsize;
    public uint padding;
    public fixed uint spare[6];
}

/// <summary>struct fuse_entry_out: the reply to LOOKUP (and each READDIRPLUS record).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_entry_out
{
    public ulong nodeid;
    public ulong generation;
    public ulong entry_valid;
    public ulong attr_valid;
    public uint entry_valid_nsec;
    public uint attr_valid_nsec;
    public fuse_attr attr;
}

/// <summary>struct fuse_forget_in.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_forget_in
{
    public ulong nlookup;
}

/// <summary>struct fuse_forget_one (7.16).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_forget_one
{
    public ulong nodeid;
    public ulong nlookup;
}

/// <summary>struct fuse_batch_forget_in (7.16): followed by count fuse_forget_one.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_batch_forget_in
{
    public uint count;
    public uint dummy;
}

/// <summary>struct fuse_getattr_in (7.9).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_getattr_in
{
    public uint getattr_flags;
    public uint dummy;
    public ulong fh;
}

/// <summary>struct fuse_attr_out.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_attr_out
{
    public ulong attr_valid;
    public uint attr_valid_nsec;
    public uint dummy;
    public fuse_attr attr;
}

/// <summary>struct fuse_open_in (open_flags since 7.36).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_open_in
{
    public uint flags;
    public uint open_flags;
}

/// <summary>struct fuse_open_out.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_open_out
{
    public ulong fh;
    public uint open_flags;
    /// <summary>With FOPEN_PASSTHROUGH (7.40): the id FUSE_DEV_IOC_BACKING_OPEN gave the host file.</summary>
    public int backing_id;
}

/// <summary>struct fuse_release_in (lock_owner since 7.8).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_release_in
{
    public ulong fh;
    public uint flags;
    public uint release_flags;
    public ulong lock_owner;
}

/// <summary>struct fuse_flush_in.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_flush_in
{
    public ulong fh;
    public uint unused;
    public uint padding;
    public ulong lock_owner;
}

/// <summary>struct fuse_read_in (7.9 layout); also the input of READDIR and READDIRPLUS.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_read_in
{
    public ulong fh;
    public ulong offset;
    public uint size;
    public uint read_flags;
    public ulong lock_owner;
    public uint flags;
    public uint padding;
}

/// <summary>struct fuse_statfs_out.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_statfs_out
{
    public fuse_kstatfs st;
}

/// <summary>struct fuse_getxattr_in: also the input of LISTXATTR; GETXATTR's name follows it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_getxattr_in
{
    public uint size;
    public uint padding;
}

/// <summary>struct fuse_getxattr_out: the reply when the kernel asked for the size only.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_getxattr_out
{
    public uint size;
    public uint padding;
}

/// <summary>struct fuse_access_in.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_access_in
{
    public uint mask;
    public uint padding;
}

/// <summary>struct fuse_init_in (flags2 and unused since 7.36; older kernels send the first 16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct fuse_init_in
{
    public uint major;
    public uint minor;
    public uint max_readahead;
    public uint flags;
    public uint flags2;
    public fixed uint unused[11];
}

/// <summary>struct fuse_init_out (7.40 layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct fuse_init_out
{
    public uint major;
    public uint minor;
    public uint max_readahead;
    public uint flags;
    public ushort max_background;
    public ushort congestion_threshold;
    public uint max_write;
    public uint time_gran;
    public ushort max_pages;
    public ushort map_alignment;
    public uint flags2;
    /// <summary>7.40: how deep the filesystems under passthrough backing files may be stacked, plus one.</summary>
    public uint max_stack_depth;
    public fixed uint unused[6];
}

/// <summary>struct fuse_backing_map (7.40): the argument of FUSE_DEV_IOC_BACKING_OPEN.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_backing_map
{
    public int fd;
    public uint flags;
    public ulong padding;
}

/// <summary>struct fuse_interrupt_in.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_interrupt_in
{
    public ulong unique;
}

/// <summary>struct fuse_lseek_in (7.24).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_lseek_in
{
    public ulong fh;
    public ulong offset;
    public uint whence;
    public uint padding;
}

/// <summary>struct fuse_lseek_out (7.24).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_lseek_out
{
    public ulong offset;
}

/// <summary>struct fuse_in_header: every request starts with it (total_extlen since 7.36).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_in_header
{
    public uint len;
    public uint opcode;
    public ulong unique;
    public ulong nodeid;
    public uint uid;
    public uint gid;
    public uint pid;
    public ushort total_extlen;
    public ushort padding;
}

/// <summary>struct fuse_out_header: every reply starts with it; error is 0 or a negative errno.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_out_header
{
    public uint len;
    public int error;
    public ulong unique;
}

/// <summary>struct fuse_dirent without its flexible name[]: a READDIR record, padded to 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_dirent
{
    public ulong ino;
    public ulong off;
    public uint namelen;
    public uint type;
}

/// <summary>struct fuse_direntplus without the name: a READDIRPLUS record.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_direntplus
{
    public fuse_entry_out entry_out;
    public fuse_dirent dirent;
}

/// <summary>enum fuse_opcode.</summary>
internal enum fuse_opcode : uint
{
    FUSE_LOOKUP = 1,
    FUSE_FORGET = 2,
    FUSE_GETATTR = 3,
    FUSE_SETATTR = 4,
    FUSE_READLINK = 5,
    FUSE_SYMLINK = 6,
    FUSE_MKNOD = 8,
    FUSE_MKDIR = 9,
    FUSE_UNLINK = 10,
    FUSE_RMDIR = 11,
    FUSE_RENAME = 12,
    FUSE_LINK = 13,
    FUSE_OPEN = 14,
    FUSE_READ = 15,
    FUSE_WRITE = 16,
    FUSE_STATFS = 17,
    FUSE_RELEASE = 18,
    FUSE_FSYNC = 20,
    FUSE_SETXATTR = 21,
    FUSE_GETXATTR = 22,
    FUSE_LISTXATTR = 23,
    FUSE_REMOVEXATTR = 24,
    FUSE_FLUSH = 25,
    FUSE_INIT = 26,
    FUSE_OPENDIR = 27,
    FUSE_READDIR = 28,
    FUSE_RELEASEDIR = 29,
    FUSE_FSYNCDIR = 30,
    FUSE_GETLK = 31,
    FUSE_SETLK = 32,
    FUSE_SETLKW = 33,
    FUSE_ACCESS = 34,
    FUSE_CREATE = 35,
    FUSE_INTERRUPT = 36,
    FUSE_BMAP = 37,
    FUSE_DESTROY = 38,
    FUSE_IOCTL = 39,
    FUSE_POLL = 40,
    FUSE_NOTIFY_REPLY = 41,
    FUSE_BATCH_FORGET = 42,
    FUSE_FALLOCATE = 43,
    FUSE_READDIRPLUS = 44,
    FUSE_RENAME2 = 45,
    FUSE_LSEEK = 46,
    FUSE_COPY_FILE_RANGE = 47,
    FUSE_SETUPMAPPING = 48,
    FUSE_REMOVEMAPPING = 49,
    FUSE_SYNCFS = 50,
    FUSE_TMPFILE = 51,
}

/// <summary>enum fuse_notify_code: sent by the server unasked, as fuse_out_header.error with unique 0.</summary>
internal enum fuse_notify_code
{
    FUSE_NOTIFY_INVAL_INODE = 2,
    FUSE_NOTIFY_INVAL_ENTRY = 3,

    /// <summary>Since 7.44 (Linux 6.16): every dentry looked up before it is revalidated by a LOOKUP.</summary>
    FUSE_NOTIFY_INC_EPOCH = 8,
}

/// <summary>struct fuse_notify_inval_inode_out: off &lt; 0 drops the cached attributes only.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct fuse_notify_inval_inode_out
{
    public ulong ino;
    public long off;
    public long len;
}

/// <summary>The #defines of &lt;linux/fuse.h&gt; that Layer uses.</summary>
internal static class FuseConstants
{
    public const uint FUSE_KERNEL_VERSION = 7;
    public const uint FUSE_KERNEL_MINOR_VERSION = 40;
    public const ulong FUSE_ROOT_ID = 1;
    public const int FUSE_MIN_READ_BUFFER = 8192;
    public const int FUSE_COMPAT_22_INIT_OUT_SIZE = 24;

    // fuse_init_in.flags / fuse_init_out.flags
    public const uint FUSE_ASYNC_READ = 1 << 0;
    public const uint FUSE_BIG_WRITES = 1 << 5;
    public const uint FUSE_DO_READDIRPLUS = 1 << 13;
    public const uint FUSE_READDIRPLUS_AUTO = 1 << 14;
    public const uint FUSE_NO_OPEN_SUPPORT = 1 << 17;
    public const uint FUSE_PARALLEL_DIROPS = 1 << 18;
    public const uint FUSE_MAX_PAGES = 1 << 22;
    public const uint FUSE_CACHE_SYMLINKS = 1 << 23;
    public const uint FUSE_NO_OPENDIR_SUPPORT = 1 << 24;
    public const uint FUSE_INIT_EXT = 1 << 30;

    // fuse_init_in.flags2 / fuse_init_out.flags2: the flags above bit 31, shifted down by 32
    public const uint FUSE_PASSTHROUGH_FLAGS2 = 1 << (37 - 32);

    /// <summary>FILESYSTEM_MAX_STACK_DEPTH of the kernel.</summary>
    public const uint FILESYSTEM_MAX_STACK_DEPTH = 2;

    // ioctls on /dev/fuse: _IOW(229, 1, struct fuse_backing_map) and _IOW(229, 2, uint32_t)
    public const uint FUSE_DEV_IOC_BACKING_OPEN = 0x4010E501;
    public const uint FUSE_DEV_IOC_BACKING_CLOSE = 0x4004E502;

    // fuse_open_out.open_flags
    public const uint FOPEN_DIRECT_IO = 1 << 0;
    public const uint FOPEN_KEEP_CACHE = 1 << 1;
    public const uint FOPEN_PASSTHROUGH = 1 << 7;

    // fuse_getattr_in.getattr_flags
    public const uint FUSE_GETATTR_FH = 1 << 0;
}
