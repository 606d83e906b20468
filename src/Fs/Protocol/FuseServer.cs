using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Layer.Fs.Native;

namespace Layer.Fs.Protocol;

/// <summary>
/// Serves one FUSE connection: several threads each block in read(2) on /dev/fuse (the kernel hands
/// each request to exactly one reader), parse it with the opcode table, check the caller's uid,
/// dispatch to <see cref="IFuseOperations"/> and write the reply with one write(2). Each thread owns
/// pinned request and reply buffers, so serving reads allocates nothing.
/// </summary>
internal sealed class FuseServer : IKernelCacheNotifier
{
    /// <summary>Largest READ we accept: max_pages (256) times 4 KiB pages.</summary>
    public const int MaxPages = 256;
    public const int MaxReadSize = MaxPages * 4096;

    // We never accept writes, but the kernel still sizes its check on max_write:
    // a read(2) of /dev/fuse must offer at least header + fuse_write_in + max_write bytes.
    private const uint MaxWrite = 64 * 1024;
    private const int RequestBufferSize = (int)MaxWrite + 64 * 1024;

    private readonly SafeHandle _device;
    private readonly IFuseOperations _operations;
    private readonly Func<uint, bool> _isAllowed;
    private readonly Action<string> _log;
    private readonly KernelCachePolicy? _cache;

    /// <summary>Requests served, by opcode (what a benchmark divides by the files read: round trips per file).</summary>
    private readonly long[] _served = new long[64];
    private readonly bool _offerPassthrough;
    private BackingFiles? _backing;
    private readonly List<Thread> _threads = new();
    private int _initialized;
    private int _attachPending;

    /// <param name="cache">Null: every entry and attribute timeout is 0, the kernel caches nothing.</param>
    /// <param name="passthrough">Ask the kernel to read host files itself where it can (see <see cref="BackingFiles"/>);
    /// only root may, so only root asks.</param>
    public FuseServer(SafeHandle device, IFuseOperations operations, Func<uint, bool> isAllowed, Action<string>? log = null,
        KernelCachePolicy? cache = null, bool passthrough = false)
    {
        _cache = cache;
        _offerPassthrough = passthrough;
        _device = device;
        _operations = operations;
        _isAllowed = isAllowed;
        _log = log ?? (_ => { });
    }

    /// <summary>Set once INIT has been answered.</summary>
    public bool Initialized => Volatile.Read(ref _initialized) != 0;

    /// <summary>The protocol minor version agreed in INIT.</summary>
    public uint NegotiatedMinor { get; private set; }

    /// <summary>INIT agreed that the kernel may read host files itself (FUSE passthrough).</summary>
    public bool Passthrough => Volatile.Read(ref _backing) is not null;

    public void Start(int threadCount)
    {
        for (var i = 0; i < threadCount; i++)
        {
            var thread = new Thread(ServeLoop) { IsBackground = true, Name = $"layer-fuse-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Waits for the serving threads to see the connection end (ENODEV after unmount).</summary>
    public bool Join(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var thread in _threads)
        {
            var left = deadline - DateTime.UtcNow;
            if (left < TimeSpan.Zero || !thread.Join(left)) return false;
        }

        return true;
    }

    private unsafe void ServeLoop()
    {
        var request = GC.AllocateArray<byte>(RequestBufferSize, pinned: true);
        var reply = new ReplyBuffer(MaxReadSize + 4096);
        fixed (byte* requestPointer = request)
        {
            while (true)
            {
                var n = Interop.Libc.Read(_device, requestPointer, (nuint)request.Length);
                if (n < 0)
                {
                    var errno = Io.LastErrno;
                    // EINTR: a signal; ENOENT: the request was interrupted before we read it.
                    if (errno is Errno.EINTR or Errno.EAGAIN or Errno.ENOENT) continue;
                    if (errno != Errno.ENODEV) _log($"reading /dev/fuse failed: {Io.Describe(errno)}");
                    return;
                }

                if (n == 0) return;
                var answer = Handle(request.AsSpan(0, (int)n), reply, out var cached);
                if (answer.IsEmpty) continue;
                fixed (byte* answerPointer = answer)
                {
                    var written = Interop.Libc.Write(_device, answerPointer, (nuint)answer.Length);
                    if (cached) _cache!.Leave();
                    if (Interlocked.Exchange(ref _attachPending, 0) != 0 && !_cache!.Attach(this))
                    {
                        _log("this kernel cannot drop cached entries on request (FUSE_NOTIFY_INC_EPOCH needs Linux 6.16): caching nothing");
                    }

                    if (written < 0)
                    {
                        var errno = Io.LastErrno;
                        // ENOENT: the kernel gave up on this request (interrupted); nothing to do.
                        if (errno == Errno.ENODEV) return;
                        if (errno != Errno.ENOENT) _log($"writing a reply to /dev/fuse failed: {Io.Describe(errno)}");
                    }
                }
            }
        }
    }

    /// <summary>How many requests of each kind were served so far (by name, FUSE_LOOKUP...).</summary>
    internal IReadOnlyDictionary<string, long> Served()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var opcode = 0u; opcode < _served.Length; opcode++)
        {
            var count = Interlocked.Read(ref _served[opcode]);
            if (count > 0) counts[OpcodeTable.Find(opcode)?.Name ?? $"opcode {opcode}"] = count;
        }

        return counts;
    }

    /// <summary>Handles one packet and returns the reply bytes, or an empty span when none is due.</summary>
    internal ReadOnlySpan<byte> Handle(ReadOnlySpan<byte> packet, ReplyBuffer reply)
    {
        var answer = Handle(packet, reply, out var cached);
        if (cached) _cache!.Leave();
        return answer;
    }

    /// <param name="cached">True when the reply carries a cache timeout: call Leave on the policy once it is written.</param>
    private ReadOnlySpan<byte> Handle(ReadOnlySpan<byte> packet, ReplyBuffer reply, out bool cached)
    {
        cached = false;
        var parseError = RequestParser.Parse(packet, out var request);
        var unique = request.Header.unique;
        if (parseError != 0)
        {
            if (packet.Length < RequestParser.HeaderSize) return default;
            if (request.Info is { Replies: false }) return default;
            if (parseError == Errno.EIO) _log($"malformed {request.Info?.Name ?? $"opcode {request.Header.opcode}"} request ({packet.Length} bytes)");
            return reply.Error(unique, parseError);
        }

        var info = request.Info!;
        Interlocked.Increment(ref _served[request.Header.opcode & 63]);
        if (info.Handling == OpcodeHandling.Refuse) return reply.Error(unique, Errno.EROFS);
        if (info.Handling == OpcodeHandling.Unsupported) return reply.Error(unique, Errno.ENOSYS);
        if (!info.Privileged && !_isAllowed(request.Header.uid)) return reply.Error(unique, Errno.EACCES);

        // Take part in the cache policy before serving, so the epoch the request records into and the
        // timeout its reply may carry are decided on the same side of a drain (KernelCachePolicy).
        if (_cache is not null && request.Opcode is fuse_opcode.FUSE_LOOKUP or fuse_opcode.FUSE_GETATTR) cached = _cache.TryEnter();
        try
        {
            return Dispatch(in request, reply, cached);
        }
        catch (Exception e)
        {
            // fuser's rule: a request that got no proper answer gets EIO, and we say why.
            _log($"{info.Name} failed: {e}");
            return info.Replies ? reply.Error(unique, Errno.EIO) : default;
        }
    }

    /// <param name="cached">The reply may carry the cache policy's timeouts.</param>
    private ReadOnlySpan<byte> Dispatch(scoped in FuseRequest request, ReplyBuffer reply, bool cached)
    {
        var unique = request.Header.unique;
        var context = request.Context;
        var node = request.Node;
        var ops = _operations;
        switch (request.Opcode)
        {
            case fuse_opcode.FUSE_INIT:
                return Init(in request, reply);
            case fuse_opcode.FUSE_DESTROY:
                return reply.Finish(unique, 0, 0);
            case fuse_opcode.FUSE_LOOKUP:
            {
                var error = ops.Lookup(in context, node, request.Name1, out var entry);
                if (error != 0) return reply.Error(unique, error);
                // Timeouts 0 unless a cache policy says otherwise: the next path walk asks again.
                if (cached)
                {
                    entry.entry_valid = _cache!.Seconds;
                    entry.entry_valid_nsec = _cache.Nanoseconds;
                    if (_cache.CachesLookupAttributes)
                    {
                        entry.attr_valid = _cache.Seconds;
                        entry.attr_valid_nsec = _cache.Nanoseconds;
                    }
                }

                return reply.Struct(unique, entry);
            }

            case fuse_opcode.FUSE_FORGET:
                ops.Forget(node, request.Read<fuse_forget_in>().nlookup);
                return default;
            case fuse_opcode.FUSE_BATCH_FORGET:
            {
                var batch = request.Read<fuse_batch_forget_in>();
                var items = MemoryMarshal.Cast<byte, fuse_forget_one>(request.Tail);
                var count = Math.Min((int)batch.count, items.Length);
                for (var i = 0; i < count; i++) ops.Forget(new NodeId(items[i].nodeid), items[i].nlookup);
                return default;
            }

            case fuse_opcode.FUSE_GETATTR:
            {
                var error = ops.GetAttr(in context, node, out var attr);
                if (error != 0) return reply.Error(unique, error);
                // attr_valid 0 (unless a cache policy says otherwise): every stat reaches the tracker.
                var result = new fuse_attr_out { attr = attr };
                if (cached)
                {
                    result.attr_valid = _cache!.Seconds;
                    result.attr_valid_nsec = _cache.Nanoseconds;
                    _cache.AttributesCached(node.Value);
                }

                return reply.Struct(unique, result);
            }

            case fuse_opcode.FUSE_READLINK:
            {
                var error = ops.ReadLink(in context, node, reply.Payload[..4096], out var length);
                return reply.Finish(unique, error, length);
            }

            case fuse_opcode.FUSE_OPEN:
            {
                var error = ops.Open(in context, node, request.Read<fuse_open_in>().flags, out var handle);
                if (error != 0) return reply.Error(unique, error);
                // No FOPEN_KEEP_CACHE: each open drops the page cache, so a read in a later epoch
                // reaches us again. No FOPEN_DIRECT_IO: mmap (running binaries) must keep working.
                var open = new fuse_open_out { fh = handle.Value };
                if (_backing is { } backing && ops.BackingFile(handle) is { } file)
                {
                    var id = backing.Attach(node.Value, handle.Value, file, out var sameFile);
                    if (id >= 0)
                    {
                        open.open_flags |= FuseConstants.FOPEN_PASSTHROUGH;
                        open.backing_id = id;
                        ops.ReadsBypassed(handle, sameFile);
                    }
                }

                return reply.Struct(unique, open);
            }

            case fuse_opcode.FUSE_READ:
            {
                var read = request.Read<fuse_read_in>();
                var size = (int)Math.Min(read.size, (uint)MaxReadSize);
                var error = ops.Read(in context, node, new FileHandle(read.fh), (long)read.offset, reply.Payload[..size], out var length);
                return reply.Finish(unique, error, length);
            }

            case fuse_opcode.FUSE_RELEASE:
            {
                var handle = request.Read<fuse_release_in>().fh;
                ops.Release(node, new FileHandle(handle));
                _backing?.Detach(handle);
                return reply.Finish(unique, 0, 0);
            }

            case fuse_opcode.FUSE_OPENDIR:
            {
                var error = ops.OpenDir(in context, node, out var handle);
                var open = new fuse_open_out { fh = handle.Value };
                return error != 0 ? reply.Error(unique, error) : reply.Struct(unique, open);
            }

            case fuse_opcode.FUSE_READDIR:
            case fuse_opcode.FUSE_READDIRPLUS:
            {
                var read = request.Read<fuse_read_in>();
                var size = (int)Math.Min(read.size, (uint)MaxReadSize);
                var writer = new DirentWriter(reply.Payload[..size], request.Opcode == fuse_opcode.FUSE_READDIRPLUS);
                var error = ops.ReadDir(in context, node, new FileHandle(read.fh), read.offset, ref writer);
                return reply.Finish(unique, error, writer.Written);
            }

            case fuse_opcode.FUSE_RELEASEDIR:
                ops.ReleaseDir(node, new FileHandle(request.Read<fuse_release_in>().fh));
                return reply.Finish(unique, 0, 0);
            case fuse_opcode.FUSE_STATFS:
            {
                var error = ops.StatFs(in context, node, out var stat);
                var result = new fuse_statfs_out { st = stat };
                return error != 0 ? reply.Error(unique, error) : reply.Struct(unique, result);
            }

            case fuse_opcode.FUSE_ACCESS:
                return reply.Error(unique, ops.Access(in context, node, (int)request.Read<fuse_access_in>().mask));
            case fuse_opcode.FUSE_GETXATTR:
            case fuse_opcode.FUSE_LISTXATTR:
            {
                var size = (int)Math.Min(request.Read<fuse_getxattr_in>().size, (uint)MaxReadSize);
                var destination = reply.Payload[..size];
                var error = request.Opcode == fuse_opcode.FUSE_GETXATTR
                    ? ops.GetXattr(in context, node, request.Name1, destination, out var length)
                    : ops.ListXattr(in context, node, destination, out length);
                if (error != 0) return reply.Error(unique, error);
                if (size != 0) return reply.Finish(unique, 0, length);
                var sizeOnly = new fuse_getxattr_out { size = (uint)length };
                return reply.Struct(unique, sizeOnly);
            }

            case fuse_opcode.FUSE_FLUSH:
                // A read-only mirror has nothing to flush. ENOSYS is the protocol's way to say so once:
                // the kernel treats it as success and stops sending FLUSH, saving a round trip on
                // every close(2) (libfuse filesystems without a flush handler, bindfs among them, do the same).
                return reply.Error(unique, Errno.ENOSYS);
            case fuse_opcode.FUSE_INTERRUPT:
                // We do not abort requests in flight; they finish quickly. INTERRUPT gets no reply.
                return default;
            case fuse_opcode.FUSE_LSEEK:
            {
                var seek = request.Read<fuse_lseek_in>();
                var error = ops.Lseek(in context, node, new FileHandle(seek.fh), (long)seek.offset, (int)seek.whence, out var offset);
                var result = new fuse_lseek_out { offset = (ulong)offset };
                return error != 0 ? reply.Error(unique, error) : reply.Struct(unique, result);
            }

            default:
                return reply.Error(unique, Errno.ENOSYS);
        }
    }

    /// <summary>Sends a notification (unique 0, the code in the error field) in one write(2).</summary>
    public unsafe int Notify(fuse_notify_code code, ReadOnlySpan<byte> payload)
    {
        var length = ReplyBuffer.HeaderSize + payload.Length;
        Span<byte> message = stackalloc byte[length];
        var header = new fuse_out_header { len = (uint)length, error = (int)code, unique = 0 };
        MemoryMarshal.Write(message, in header);
        payload.CopyTo(message[ReplyBuffer.HeaderSize..]);
        fixed (byte* pointer = message)
        {
            var written = Interop.Libc.Write(_device, pointer, (nuint)length);
            return written < 0 ? Io.LastErrno : 0;
        }
    }

    private ReadOnlySpan<byte> Init(scoped in FuseRequest request, ReplyBuffer reply)
    {
        var unique = request.Header.unique;
        fuse_init_in init = default;
        var available = Math.Min(request.Arguments.Length, Unsafe.SizeOf<fuse_init_in>());
        request.Arguments[..available].CopyTo(MemoryMarshal.AsBytes(new Span<fuse_init_in>(ref init)));

        if (init.major < FuseConstants.FUSE_KERNEL_VERSION) return reply.Error(unique, Errno.EPROTO);
        var result = new fuse_init_out { major = FuseConstants.FUSE_KERNEL_VERSION, minor = FuseConstants.FUSE_KERNEL_MINOR_VERSION };
        if (init.major > FuseConstants.FUSE_KERNEL_VERSION)
        {
            // The protocol: answer with our major only; the kernel then sends INIT again in our terms.
            return reply.Struct(unique, result);
        }

        NegotiatedMinor = Math.Min(init.minor, FuseConstants.FUSE_KERNEL_MINOR_VERSION);
        result.minor = NegotiatedMinor;
        result.max_readahead = init.max_readahead;
        // Deliberately NOT asked for: DO_READDIRPLUS / READDIRPLUS_AUTO (they pre-fill entries and hide
        // later LOOKUPs), CACHE_SYMLINKS (hides READLINK), NO_OPEN_SUPPORT (hides OPEN), WRITEBACK_CACHE.
        result.flags = init.flags & (FuseConstants.FUSE_ASYNC_READ | FuseConstants.FUSE_BIG_WRITES |
                                     FuseConstants.FUSE_PARALLEL_DIROPS | FuseConstants.FUSE_MAX_PAGES);
        result.max_background = 64;
        result.congestion_threshold = 48;
        result.max_write = MaxWrite;
        result.time_gran = 1;
        result.max_pages = MaxPages;
        if (_offerPassthrough && NegotiatedMinor >= 40 && (init.flags & FuseConstants.FUSE_INIT_EXT) != 0 &&
            (init.flags2 & FuseConstants.FUSE_PASSTHROUGH_FLAGS2) != 0)
        {
            result.flags |= FuseConstants.FUSE_INIT_EXT;
            result.flags2 = FuseConstants.FUSE_PASSTHROUGH_FLAGS2;
            // Backing files may sit on a stacked filesystem (overlayfs, as in a container) one level deep.
            result.max_stack_depth = FuseConstants.FILESYSTEM_MAX_STACK_DEPTH;
            Volatile.Write(ref _backing, new BackingFiles(_device, _log));
        }

        Volatile.Write(ref _initialized, 1);
        if (_cache is { Invalidating: true }) Volatile.Write(ref _attachPending, 1);

        // Kernels before 7.23 know only the first 24 bytes of fuse_init_out.
        if (NegotiatedMinor < 23)
        {
            MemoryMarshal.Write(reply.Payload, in result);
            return reply.Finish(unique, 0, FuseConstants.FUSE_COMPAT_22_INIT_OUT_SIZE);
        }

        return reply.Struct(unique, result);
    }
}
