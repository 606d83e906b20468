using System.Runtime.CompilerServices;

namespace Layer.Fs.Protocol;

/// <summary>What the server does with an opcode before any filesystem code sees it.</summary>
internal enum OpcodeHandling
{
    /// <summary>Parsed and handed to <see cref="IFuseOperations"/>.</summary>
    Serve,

    /// <summary>Changes the filesystem: the mirror is read-only, so the answer is EROFS.</summary>
    Refuse,

    /// <summary>Known but not implemented: ENOSYS (never used for OPEN/OPENDIR, see DESIGN.md).</summary>
    Unsupported,
}

/// <summary>One row of the table: go-fuse's operationHandlers idea.</summary>
/// <param name="Name">The C name, for logs and tests.</param>
/// <param name="InputSize">Bytes of the fixed input struct that must follow the header (EIO when short).</param>
/// <param name="NameCount">How many NUL-terminated names follow the fixed struct.</param>
/// <param name="Replies">False for FORGET, BATCH_FORGET and INTERRUPT: the kernel expects no reply.</param>
/// <param name="Handling">Serve, refuse with EROFS, or ENOSYS.</param>
/// <param name="Privileged">Sent by the kernel on its own behalf (INIT, FORGET, RELEASE...): no uid check.</param>
internal sealed record OpcodeInfo(string Name, int InputSize, int NameCount, bool Replies, OpcodeHandling Handling, bool Privileged);

/// <summary>The opcode table driving parsing, size checks and dispatch.</summary>
internal static class OpcodeTable
{
    private static readonly OpcodeInfo?[] Table = Build();

    public static OpcodeInfo? Find(uint opcode) => opcode < (uint)Table.Length ? Table[opcode] : null;

    private static OpcodeInfo?[] Build()
    {
        var t = new OpcodeInfo?[(int)fuse_opcode.FUSE_TMPFILE + 1];

        void Serve<T>(fuse_opcode op, int names = 0, bool replies = true, bool privileged = false) where T : unmanaged =>
            t[(int)op] = new(op.ToString(), Unsafe.SizeOf<T>(), names, replies, OpcodeHandling.Serve, privileged);
        void ServeBare(fuse_opcode op, int names = 0, bool privileged = false) =>
            t[(int)op] = new(op.ToString(), 0, names, true, OpcodeHandling.Serve, privileged);
        void Refuse(fuse_opcode op) =>
            t[(int)op] = new(op.ToString(), 0, 0, true, OpcodeHandling.Refuse, false);
        void Unsupported(fuse_opcode op) =>
            t[(int)op] = new(op.ToString(), 0, 0, true, OpcodeHandling.Unsupported, false);

        // INIT: kernels before 7.36 send only major, minor, max_readahead, flags (16 bytes).
        t[(int)fuse_opcode.FUSE_INIT] = new("FUSE_INIT", 16, 0, true, OpcodeHandling.Serve, true);
        ServeBare(fuse_opcode.FUSE_DESTROY, privileged: true);
        ServeBare(fuse_opcode.FUSE_LOOKUP, names: 1);
        Serve<fuse_forget_in>(fuse_opcode.FUSE_FORGET, replies: false, privileged: true);
        Serve<fuse_batch_forget_in>(fuse_opcode.FUSE_BATCH_FORGET, replies: false, privileged: true);
        Serve<fuse_getattr_in>(fuse_opcode.FUSE_GETATTR);
        ServeBare(fuse_opcode.FUSE_READLINK);
        Serve<fuse_open_in>(fuse_opcode.FUSE_OPEN);
        Serve<fuse_read_in>(fuse_opcode.FUSE_READ);
        Serve<fuse_release_in>(fuse_opcode.FUSE_RELEASE, privileged: true);
        Serve<fuse_open_in>(fuse_opcode.FUSE_OPENDIR);
        Serve<fuse_read_in>(fuse_opcode.FUSE_READDIR);
        Serve<fuse_read_in>(fuse_opcode.FUSE_READDIRPLUS);
        Serve<fuse_release_in>(fuse_opcode.FUSE_RELEASEDIR, privileged: true);
        ServeBare(fuse_opcode.FUSE_STATFS);
        Serve<fuse_access_in>(fuse_opcode.FUSE_ACCESS);
        Serve<fuse_getxattr_in>(fuse_opcode.FUSE_GETXATTR, names: 1);
        Serve<fuse_getxattr_in>(fuse_opcode.FUSE_LISTXATTR);
        Serve<fuse_flush_in>(fuse_opcode.FUSE_FLUSH, privileged: true);
        Serve<fuse_interrupt_in>(fuse_opcode.FUSE_INTERRUPT, replies: false, privileged: true);
        Serve<fuse_lseek_in>(fuse_opcode.FUSE_LSEEK);

        foreach (var op in new[]
                 {
                     fuse_opcode.FUSE_SETATTR, fuse_opcode.FUSE_SYMLINK, fuse_opcode.FUSE_MKNOD, fuse_opcode.FUSE_MKDIR,
                     fuse_opcode.FUSE_UNLINK, fuse_opcode.FUSE_RMDIR, fuse_opcode.FUSE_RENAME, fuse_opcode.FUSE_LINK,
                     fuse_opcode.FUSE_WRITE, fuse_opcode.FUSE_SETXATTR, fuse_opcode.FUSE_REMOVEXATTR,
                     fuse_opcode.FUSE_CREATE, fuse_opcode.FUSE_FALLOCATE, fuse_opcode.FUSE_RENAME2,
                     fuse_opcode.FUSE_COPY_FILE_RANGE, fuse_opcode.FUSE_TMPFILE,
                 })
        {
            Refuse(op);
        }

        foreach (var op in new[]
                 {
                     fuse_opcode.FUSE_FSYNC, fuse_opcode.FUSE_FSYNCDIR, fuse_opcode.FUSE_GETLK, fuse_opcode.FUSE_SETLK,
                     fuse_opcode.FUSE_SETLKW, fuse_opcode.FUSE_BMAP, fuse_opcode.FUSE_IOCTL, fuse_opcode.FUSE_POLL,
                     fuse_opcode.FUSE_NOTIFY_REPLY, fuse_opcode.FUSE_SETUPMAPPING, fuse_opcode.FUSE_REMOVEMAPPING,
                     fuse_opcode.FUSE_SYNCFS,
                 })
        {
            Unsupported(op);
        }

        return t;
    }
}
