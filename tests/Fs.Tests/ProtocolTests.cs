using System.Buffers.Binary;
using System.Text;
using Layer.Fs.Native;
using Layer.Fs.Protocol;

namespace Layer.Fs.Tests;

/// <summary>
/// The protocol without a kernel: hand-written packets, annotated field by field, go through the
/// server's parse-check-dispatch path against a recording filesystem; replies are compared byte for byte.
/// </summary>
public sealed class ProtocolTests
{
    private sealed class Recorder : IFuseOperations
    {
        public readonly List<string> Calls = new();

        public int Lookup(in RequestContext context, NodeId parent, ReadOnlySpan<byte> name, out fuse_entry_out entry)
        {
            Calls.Add($"lookup {parent.Value} {Encoding.UTF8.GetString(name)} uid={context.Uid} pid={context.Pid}");
            entry = default;
            if (name.SequenceEqual("missing"u8)) return Errno.ENOENT;
            entry.nodeid = 42;
            entry.attr = new fuse_attr { ino = 7, size = 5, mode = 0x81A4, nlink = 1 };
            return 0;
        }

        public void Forget(NodeId node, ulong lookups) => Calls.Add($"forget {node.Value} {lookups}");

        public int GetAttr(in RequestContext context, NodeId node, out fuse_attr attr)
        {
            Calls.Add($"getattr {node.Value}");
            attr = new fuse_attr { ino = node.Value, mode = 0x41ED };
            return 0;
        }

        public int ReadLink(in RequestContext context, NodeId node, Span<byte> destination, out int length)
        {
            "target"u8.CopyTo(destination);
            length = 6;
            return 0;
        }

        public int Open(in RequestContext context, NodeId node, uint flags, out FileHandle handle)
        {
            Calls.Add($"open {node.Value} {flags}");
            handle = new FileHandle(9);
            return 0;
        }

        public int Read(in RequestContext context, NodeId node, FileHandle handle, long offset, Span<byte> destination, out int length)
        {
            Calls.Add($"read {node.Value} fh={handle.Value} off={offset} size={destination.Length}");
            var data = "0123456789"u8;
            length = Math.Max(0, Math.Min(destination.Length, data.Length - (int)offset));
            data.Slice((int)Math.Min(offset, data.Length), length).CopyTo(destination);
            return 0;
        }

        public void Release(NodeId node, FileHandle handle) => Calls.Add($"release {node.Value} fh={handle.Value}");

        public int OpenDir(in RequestContext context, NodeId node, out FileHandle handle)
        {
            handle = new FileHandle(3);
            return 0;
        }

        public int ReadDir(in RequestContext context, NodeId node, FileHandle handle, ulong offset, ref DirentWriter writer)
        {
            var names = new[] { ".", "..", "a-long-name" };
            for (var i = (int)offset; i < names.Length; i++)
            {
                if (!writer.TryAdd(Encoding.UTF8.GetBytes(names[i]), (ulong)(100 + i), 4, (ulong)i + 1)) break;
            }

            return 0;
        }

        public void ReleaseDir(NodeId node, FileHandle handle) => Calls.Add($"releasedir fh={handle.Value}");

        public int StatFs(in RequestContext context, NodeId node, out fuse_kstatfs stat)
        {
            stat = default;
            return 0;
        }

        public int Access(in RequestContext context, NodeId node, int mask) => 0;

        public int GetXattr(in RequestContext context, NodeId node, ReadOnlySpan<byte> name, Span<byte> destination, out int length)
        {
            length = 4;
            if (destination.Length == 0) return 0;
            if (destination.Length < 4) return Errno.ERANGE;
            "abcd"u8.CopyTo(destination);
            return 0;
        }

        public int ListXattr(in RequestContext context, NodeId node, Span<byte> destination, out int length)
        {
            length = 0;
            return 0;
        }

        public int Lseek(in RequestContext context, NodeId node, FileHandle handle, long offset, int whence, out long result)
        {
            result = offset + 1;
            return 0;
        }
    }

    private readonly Recorder _fs = new();
    private readonly FuseServer _server;
    private readonly ReplyBuffer _reply = new(FuseServer.MaxReadSize + 4096);

    public ProtocolTests()
    {
        _server = new FuseServer(new FileDescriptor(), _fs, uid => uid is 0 or 1000);
    }

    /// <summary>Builds a packet: fuse_in_header (40 bytes) then the body; len is filled in.</summary>
    private static byte[] Packet(uint opcode, ulong unique, ulong nodeid, uint uid, params byte[][] body)
    {
        var bodyLength = body.Sum(b => b.Length);
        var packet = new byte[40 + bodyLength];
        var s = packet.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s[0..], (uint)packet.Length); // len
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], opcode);              // opcode
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], unique);              // unique
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], nodeid);             // nodeid
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], uid);                // uid
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], 100);                // gid
        BinaryPrimitives.WriteUInt32LittleEndian(s[32..], 4321);               // pid
        // s[36..38] total_extlen = 0, s[38..40] padding = 0
        var at = 40;
        foreach (var part in body)
        {
            part.CopyTo(s[at..]);
            at += part.Length;
        }

        return packet;
    }

    private static byte[] U32(params uint[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    private static byte[] U64(params ulong[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    private static byte[] Name(string name) => Encoding.UTF8.GetBytes(name + "\0");

    /// <summary>fuse_out_header: len, error (negative errno), unique.</summary>
    private static byte[] Header(uint len, int error, ulong unique) => U32(len).Concat(BitConverter.GetBytes(error)).Concat(U64(unique)).ToArray();

    private byte[] Send(byte[] packet) => _server.Handle(packet, _reply).ToArray();

    [Fact]
    public void Lookup_is_parsed_and_answered_with_a_fuse_entry_out()
    {
        var reply = Send(Packet(1 /* FUSE_LOOKUP */, unique: 77, nodeid: 1, uid: 1000, Name("hello.txt")));
        Assert.Equal("lookup 1 hello.txt uid=1000 pid=4321", Assert.Single(_fs.Calls));
        Assert.Equal(16 + 128, reply.Length); // fuse_out_header + fuse_entry_out
        Assert.Equal(Header(144, 0, 77), reply[..16]);
        Assert.Equal(42ul, BitConverter.ToUInt64(reply, 16));        // nodeid
        Assert.Equal(0ul, BitConverter.ToUInt64(reply, 16 + 16));    // entry_valid: never cached
        Assert.Equal(0ul, BitConverter.ToUInt64(reply, 16 + 24));    // attr_valid: never cached
        Assert.Equal(5ul, BitConverter.ToUInt64(reply, 16 + 40 + 8)); // attr.size
        Assert.Equal(0x81A4u, BitConverter.ToUInt32(reply, 16 + 40 + 60)); // attr.mode
    }

    [Fact]
    public void A_cache_policy_sets_timeouts_except_while_draining_for_a_new_epoch()
    {
        var policy = KernelCachePolicy.Expire(TimeSpan.FromMilliseconds(1500));
        var server = new FuseServer(new FileDescriptor(), _fs, _ => true, cache: policy);
        var cached = server.Handle(Packet(1, 1, 1, 0, Name("f")), _reply).ToArray();
        Assert.Equal(1ul, BitConverter.ToUInt64(cached, 16 + 16));          // entry_valid seconds
        Assert.Equal(1ul, BitConverter.ToUInt64(cached, 16 + 24));          // attr_valid seconds
        Assert.Equal(500_000_000u, BitConverter.ToUInt32(cached, 16 + 32)); // entry_valid_nsec
        var attr = server.Handle(Packet(3, 2, 1, 0, U32(0, 0), U64(0)), _reply).ToArray();
        Assert.Equal(1ul, BitConverter.ToUInt64(attr, 16));                 // fuse_attr_out.attr_valid

        var draining = Task.Run(policy.Drain);
        Assert.True(SpinWait.SpinUntil(() => !policy.TryEnterForTest(), 10_000)); // the pool may be slow to start it
        var fresh = server.Handle(Packet(1, 3, 1, 0, Name("f")), _reply).ToArray();
        Assert.Equal(0ul, BitConverter.ToUInt64(fresh, 16 + 16));
        Assert.Equal(0ul, BitConverter.ToUInt64(fresh, 16 + 24));
        draining.Wait();
        policy.Resume();
        Assert.Equal(1ul, BitConverter.ToUInt64(server.Handle(Packet(1, 4, 1, 0, Name("f")), _reply).ToArray(), 16 + 16));
    }

    [Fact]
    public void Draining_waits_for_replies_already_carrying_a_timeout()
    {
        var policy = KernelCachePolicy.Expire(TimeSpan.FromMilliseconds(10));
        Assert.True(policy.TryEnter());             // a reply built, not yet written
        var draining = Task.Run(policy.Drain);
        Assert.False(draining.Wait(300));
        policy.Leave();                             // written
        Assert.True(draining.Wait(5000));
    }

    [Fact]
    public void An_invalidating_policy_caches_entries_and_getattr_attributes_and_drops_them_all_before_an_epoch()
    {
        var policy = KernelCachePolicy.Invalidate(TimeSpan.FromSeconds(10));
        var server = new FuseServer(new FileDescriptor(), _fs, _ => true, cache: policy);
        // Before the kernel accepted INC_EPOCH, nothing may be cached.
        Assert.Equal(0ul, BitConverter.ToUInt64(server.Handle(Packet(1, 1, 1, 0, Name("f")), _reply).ToArray(), 16 + 16));
        var notifier = new RecordingNotifier();
        Assert.True(policy.Attach(notifier));
        Assert.Equal(new[] { (fuse_notify_code.FUSE_NOTIFY_INC_EPOCH, 0) }, notifier.Sent.Select(n => (n.Code, n.Payload.Length)));

        var lookup = server.Handle(Packet(1, 2, 1, 0, Name("f")), _reply).ToArray();
        Assert.Equal(10ul, BitConverter.ToUInt64(lookup, 16 + 16)); // entry_valid
        Assert.Equal(0ul, BitConverter.ToUInt64(lookup, 16 + 24));  // attr_valid: a LOOKUP may create the inode after an INVAL_INODE
        var node = BitConverter.ToUInt64(lookup, 16);
        var attr = server.Handle(Packet(3, 3, node, 0, U32(0, 0), U64(0)), _reply).ToArray();
        Assert.Equal(10ul, BitConverter.ToUInt64(attr, 16));         // fuse_attr_out.attr_valid

        notifier.Sent.Clear();
        policy.Drain();
        Assert.False(policy.TryEnterForTest());
        Assert.Equal(fuse_notify_code.FUSE_NOTIFY_INC_EPOCH, notifier.Sent[0].Code);
        var inval = notifier.Sent.Skip(1).Single();
        Assert.Equal(fuse_notify_code.FUSE_NOTIFY_INVAL_INODE, inval.Code);
        Assert.Equal(node, BitConverter.ToUInt64(inval.Payload, 0));
        Assert.Equal(-1L, BitConverter.ToInt64(inval.Payload, 8)); // attributes only, no page cache
        policy.Resume();
        Assert.True(policy.TryEnterForTest());

        // The next drain only names nodes given attributes since the last one.
        notifier.Sent.Clear();
        policy.Drain();
        Assert.Equal(new[] { fuse_notify_code.FUSE_NOTIFY_INC_EPOCH }, notifier.Sent.Select(n => n.Code));
    }

    [Fact]
    public void An_invalidating_policy_caches_nothing_when_the_kernel_refuses_inc_epoch()
    {
        var policy = KernelCachePolicy.Invalidate(TimeSpan.FromSeconds(10));
        Assert.False(policy.Attach(new RecordingNotifier { Error = Errno.EINVAL }));
        policy.Resume();
        var server = new FuseServer(new FileDescriptor(), _fs, _ => true, cache: policy);
        Assert.Equal(0ul, BitConverter.ToUInt64(server.Handle(Packet(1, 1, 1, 0, Name("f")), _reply).ToArray(), 16 + 16));
    }

    private sealed class RecordingNotifier : IKernelCacheNotifier
    {
        public List<(fuse_notify_code Code, byte[] Payload)> Sent { get; } = new();

        public int Error { get; init; }

        public int Notify(fuse_notify_code code, ReadOnlySpan<byte> payload)
        {
            Sent.Add((code, payload.ToArray()));
            return Error;
        }
    }

    [Fact]
    public void A_failed_lookup_is_a_bare_header_with_the_negative_errno()
    {
        Assert.Equal(Header(16, -Errno.ENOENT, 5), Send(Packet(1, 5, 1, 0, Name("missing"))));
    }

    [Fact]
    public void Init_negotiates_our_minor_and_only_safe_flags()
    {
        const uint kernelFlags = 0xFFFFFFFF; // the kernel offers everything
        var reply = Send(Packet(26 /* FUSE_INIT */, 1, 0, 0,
            U32(7, 45,            // major, minor: a newer kernel than our header
                131072,           // max_readahead
                kernelFlags,      // flags
                0),               // flags2
            new byte[44]));       // unused[11]
        Assert.Equal(16 + 64, reply.Length);
        Assert.Equal(Header(80, 0, 1), reply[..16]);
        var o = reply.AsSpan(16);
        Assert.Equal(7u, BitConverter.ToUInt32(o[0..4]));                // major
        Assert.Equal(40u, BitConverter.ToUInt32(o[4..8]));               // minor = min(45, 40)
        Assert.Equal(131072u, BitConverter.ToUInt32(o[8..12]));          // max_readahead echoed
        var flags = BitConverter.ToUInt32(o[12..16]);
        Assert.Equal(0u, flags & FuseConstants.FUSE_DO_READDIRPLUS);     // would pre-fill entries
        Assert.Equal(0u, flags & FuseConstants.FUSE_READDIRPLUS_AUTO);
        Assert.Equal(0u, flags & FuseConstants.FUSE_CACHE_SYMLINKS);     // would hide READLINK
        Assert.Equal(0u, flags & FuseConstants.FUSE_NO_OPEN_SUPPORT);    // would hide OPEN
        Assert.NotEqual(0u, flags & FuseConstants.FUSE_MAX_PAGES);
        Assert.Equal(256, BitConverter.ToUInt16(o[28..30]));             // max_pages
        Assert.True(_server.Initialized);
    }

    [Fact]
    public void Init_from_an_old_kernel_gets_the_short_reply()
    {
        var reply = Send(Packet(26, 1, 0, 0, U32(7, 22, 4096, 0)));      // the 16-byte fuse_init_in of 7.22
        Assert.Equal(16 + 24, reply.Length);                              // FUSE_COMPAT_22_INIT_OUT_SIZE
        Assert.Equal(22u, BitConverter.ToUInt32(reply, 16 + 4));
    }

    [Fact]
    public void Read_passes_offset_size_and_handle_and_returns_the_bytes()
    {
        var reply = Send(Packet(15 /* FUSE_READ */, 9, 42, 0,
            U64(9,              // fh
                3),             // offset
            U32(4,              // size
                0),             // read_flags
            U64(0),             // lock_owner
            U32(0, 0)));        // flags, padding
        Assert.Equal("read 42 fh=9 off=3 size=4", Assert.Single(_fs.Calls));
        Assert.Equal(Header(20, 0, 9).Concat("3456"u8.ToArray()).ToArray(), reply);
    }

    [Fact]
    public void Readdir_packs_aligned_fuse_dirent_records_until_the_size_is_reached()
    {
        var reply = Send(Packet(28 /* FUSE_READDIR */, 4, 1, 0, U64(3, 0), U32(64, 0), U64(0), U32(0, 0)));
        // "." = 24+1 -> 32 bytes, ".." = 24+2 -> 32 bytes; "a-long-name" (24+11 -> 40) no longer fits in 64.
        Assert.Equal(16 + 64, reply.Length);
        var first = reply.AsSpan(16);
        Assert.Equal(100ul, BitConverter.ToUInt64(first[0..8]));   // ino
        Assert.Equal(1ul, BitConverter.ToUInt64(first[8..16]));    // off: where the next call starts
        Assert.Equal(1u, BitConverter.ToUInt32(first[16..20]));    // namelen
        Assert.Equal(4u, BitConverter.ToUInt32(first[20..24]));    // type (DT_DIR)
        Assert.Equal((byte)'.', first[24]);
        Assert.Equal(2ul, BitConverter.ToUInt64(first[40..48]));

        var rest = Send(Packet(28, 5, 1, 0, U64(3, 2), U32(4096, 0), U64(0), U32(0, 0)));
        Assert.Equal(16 + 40, rest.Length);
        Assert.Equal("a-long-name", Encoding.UTF8.GetString(rest, 16 + 24, 11));
    }

    [Fact]
    public void Forget_and_batch_forget_get_no_reply()
    {
        Assert.Empty(Send(Packet(2 /* FUSE_FORGET */, 6, 42, 0, U64(3))));
        Assert.Empty(Send(Packet(42 /* FUSE_BATCH_FORGET */, 7, 0, 0, U32(2, 0), U64(42, 1), U64(43, 2))));
        Assert.Equal(new[] { "forget 42 3", "forget 42 1", "forget 43 2" }, _fs.Calls);
    }

    [Fact]
    public void A_short_packet_is_eio_and_an_unknown_opcode_is_enosys()
    {
        // GETATTR needs a 16-byte fuse_getattr_in; this one has 8.
        Assert.Equal(Header(16, -Errno.EIO, 8), Send(Packet(3 /* FUSE_GETATTR */, 8, 1, 0, U64(0))));
        // A header whose len disagrees with the bytes read.
        var lying = Packet(3, 9, 1, 0, U32(0, 0), U64(0));
        BinaryPrimitives.WriteUInt32LittleEndian(lying, 999);
        Assert.Equal(Header(16, -Errno.EIO, 9), Send(lying));
        // A LOOKUP name without its NUL.
        Assert.Equal(Header(16, -Errno.EIO, 10), Send(Packet(1, 10, 1, 0, "abc"u8.ToArray())));
        Assert.Equal(Header(16, -Errno.ENOSYS, 11), Send(Packet(4096 /* CUSE_INIT */, 11, 1, 0)));
        Assert.Equal(Header(16, -Errno.ENOSYS, 12), Send(Packet(20 /* FUSE_FSYNC */, 12, 1, 0, U64(0), U32(0, 0))));
        // Shorter than a header: nothing can be answered.
        Assert.Empty(Send(new byte[10]));
        Assert.Empty(_fs.Calls);
    }

    [Theory]
    [InlineData(4u)]  // SETATTR
    [InlineData(6u)]  // SYMLINK
    [InlineData(8u)]  // MKNOD
    [InlineData(9u)]  // MKDIR
    [InlineData(10u)] // UNLINK
    [InlineData(11u)] // RMDIR
    [InlineData(12u)] // RENAME
    [InlineData(13u)] // LINK
    [InlineData(16u)] // WRITE
    [InlineData(21u)] // SETXATTR
    [InlineData(24u)] // REMOVEXATTR
    [InlineData(35u)] // CREATE
    [InlineData(43u)] // FALLOCATE
    [InlineData(45u)] // RENAME2
    [InlineData(47u)] // COPY_FILE_RANGE
    [InlineData(51u)] // TMPFILE
    public void Every_writing_opcode_is_erofs(uint opcode)
    {
        Assert.Equal(Header(16, -Errno.EROFS, 13), Send(Packet(opcode, 13, 1, 0, new byte[64])));
        Assert.Empty(_fs.Calls);
    }

    [Fact]
    public void Requests_from_other_uids_are_refused_before_the_filesystem_sees_them()
    {
        Assert.Equal(Header(16, -Errno.EACCES, 14), Send(Packet(1, 14, 1, 65534, Name("x"))));
        Assert.Equal(Header(16, -Errno.EACCES, 15), Send(Packet(3, 15, 1, 65534, U32(0, 0), U64(0))));
        // The kernel's own bookkeeping (RELEASE, FORGET) is never refused, whoever triggered it.
        Assert.Equal(Header(16, 0, 16), Send(Packet(18 /* FUSE_RELEASE */, 16, 42, 65534, U64(9), U32(0, 0), U64(0))));
        Assert.Equal(new[] { "release 42 fh=9" }, _fs.Calls);
    }

    [Fact]
    public void Flush_is_answered_enosys_so_the_kernel_stops_sending_it()
    {
        Assert.Equal(Header(16, -Errno.ENOSYS, 19), Send(Packet(25 /* FUSE_FLUSH */, 19, 42, 0, U64(9), U32(0, 0), U64(0))));
    }

    [Fact]
    public void Getxattr_with_size_zero_answers_the_size()
    {
        var sizeOnly = Send(Packet(22 /* FUSE_GETXATTR */, 17, 1, 0, U32(0, 0), Name("user.x")));
        Assert.Equal(Header(24, 0, 17).Concat(U32(4, 0)).ToArray(), sizeOnly); // fuse_getxattr_out { size, padding }
        var value = Send(Packet(22, 18, 1, 0, U32(16, 0), Name("user.x")));
        Assert.Equal(Header(20, 0, 18).Concat("abcd"u8.ToArray()).ToArray(), value);
    }

    [Fact]
    public void Opcode_table_covers_the_issue_list()
    {
        foreach (var op in new[] { "INIT", "DESTROY", "LOOKUP", "FORGET", "BATCH_FORGET", "GETATTR", "READLINK", "OPEN", "READ", "RELEASE", "OPENDIR", "READDIR", "READDIRPLUS", "RELEASEDIR", "STATFS", "ACCESS", "GETXATTR", "LISTXATTR", "FLUSH", "INTERRUPT", "LSEEK" })
        {
            var code = (uint)Enum.Parse<fuse_opcode>("FUSE_" + op);
            Assert.Equal(OpcodeHandling.Serve, OpcodeTable.Find(code)!.Handling);
        }

        Assert.False(OpcodeTable.Find((uint)fuse_opcode.FUSE_INTERRUPT)!.Replies);
        Assert.Null(OpcodeTable.Find(7)); // a hole in enum fuse_opcode
    }
}
