using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Layer.Fs.Mirror;
using Layer.Fs.Native;
using Layer.Fs.Protocol;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Tracking;

/// <summary>
/// The read recorder: a decorator at the bridge between the protocol and the passthrough. It passes
/// every operation through unchanged and, while an epoch is open, turns what was served into
/// observations: LOOKUP gives metadata or absent, GETATTR and READLINK metadata, the first READ of an
/// open file per epoch its content hash (taken from the same fd that serves the reads), the first
/// READDIR of an open directory per epoch its listing hash (of the same snapshot that is served).
/// A file the kernel reads itself (FUSE passthrough: no READ arrives) counts as read in every epoch
/// it is open in, from the same fd the kernel reads.
/// </summary>
internal sealed class TrackingOperations : IFuseOperations
{
    private readonly IMirrorOperations _inner;
    private readonly ReadTracker _tracker;
    private readonly ConcurrentDictionary<ulong, FileState> _files = new();
    private readonly ConcurrentDictionary<ulong, long> _listedInEpoch = new();
    private readonly ConcurrentDictionary<string, SharedHashEntry> _hashes = new(StringComparer.Ordinal);

    public TrackingOperations(IMirrorOperations inner, ReadTracker tracker)
    {
        _inner = inner;
        _tracker = tracker;
        _tracker.EpochEnding += SettleOpenFiles;
    }

    public int Lookup(in RequestContext context, NodeId parent, ReadOnlySpan<byte> name, out fuse_entry_out entry)
    {
        var error = _inner.Lookup(in context, parent, name, out entry);
        var epoch = _tracker.CurrentEpoch;
        if (epoch == 0 || (error != 0 && error != Errno.ENOENT)) return error;
        var parentPath = _inner.PathOf(parent);
        if (parentPath is null) return error;
        var path = ObservationHashing.Child(ObservationHashing.ObservedPath(parentPath), Encoding.UTF8.GetString(name));
        if (error == Errno.ENOENT)
        {
            _tracker.Record(epoch, new Observation(ObservationKind.Absent, path));
        }
        else
        {
            RecordMetadata(epoch, path, entry.attr.mode, entry.attr.size);
        }

        return error;
    }

    public void Forget(NodeId node, ulong lookups) => _inner.Forget(node, lookups);

    public int GetAttr(in RequestContext context, NodeId node, out fuse_attr attr)
    {
        var error = _inner.GetAttr(in context, node, out attr);
        var epoch = _tracker.CurrentEpoch;
        if (error == 0 && epoch != 0 && _inner.PathOf(node) is { } path)
        {
            RecordMetadata(epoch, ObservationHashing.ObservedPath(path), attr.mode, attr.size);
        }

        return error;
    }

    public int ReadLink(in RequestContext context, NodeId node, Span<byte> destination, out int length)
    {
        var error = _inner.ReadLink(in context, node, destination, out length);
        var epoch = _tracker.CurrentEpoch;
        if (error == 0 && epoch != 0 && _inner.PathOf(node) is { } path)
        {
            var target = Encoding.UTF8.GetString(destination[..length]);
            _tracker.Record(epoch, new Observation(ObservationKind.Metadata, ObservationHashing.ObservedPath(path))
            {
                Metadata = new FileMetadata(EntryType.Symlink, LinkPermissions(path), Encoding.UTF8.GetByteCount(target), target),
            });
        }

        return error;
    }

    public int Open(in RequestContext context, NodeId node, uint flags, out FileHandle handle)
    {
        var error = _inner.Open(in context, node, flags, out handle);
        if (error != 0) return error;
        var file = _inner.FileOf(handle)!;
        FStat(file.Fd, out var st);
        var state = new FileState(file, FileStamp.Of(in st));
        _files[handle.Value] = state;

        // An empty file is never READ (the kernel knows its size is 0), yet opening it to read is
        // reading it: record its content now.
        var epoch = _tracker.CurrentEpoch;
        if (epoch != 0 && st.stx_size == 0)
        {
            lock (state) RecordContent(epoch, state);
        }

        return 0;
    }

    public int Read(in RequestContext context, NodeId node, FileHandle handle, long offset, Span<byte> destination, out int length)
    {
        var error = _inner.Read(in context, node, handle, offset, destination, out length);
        var epoch = _tracker.CurrentEpoch;
        // Only note that the handle was read in this epoch: hashing waits for RELEASE (which the kernel
        // sends after close(2) returned) or the end of the epoch, so no read ever stalls on a hash.
        if (error == 0 && epoch != 0 && _files.TryGetValue(handle.Value, out var state) && Volatile.Read(ref state.ReadEpoch) != epoch)
        {
            Volatile.Write(ref state.ReadEpoch, epoch);
        }

        return error;
    }

    /// <summary>Some handle the kernel reads itself is open (or its RELEASE is still on its way).</summary>
    public bool HoldsBypassedHandles => _files.Values.Any(state => state.Bypassed);

    public SafeHandle? BackingFile(FileHandle handle) => _inner.BackingFile(handle);

    public void ReadsBypassed(FileHandle handle, bool sameFile)
    {
        if (!_files.TryGetValue(handle.Value, out var state)) return;
        lock (state)
        {
            state.Bypassed = true;
            state.Replaced |= !sameFile;
            MarkBypassedRead(state, _tracker.CurrentEpoch);
        }
    }

    public void Release(NodeId node, FileHandle handle)
    {
        if (_files.TryGetValue(handle.Value, out var state))
        {
            // Settled and closed under the lock, and only then forgotten: an epoch ending right now
            // either finds the state and waits for this hash (so it lands in that epoch), or settles
            // it first; it never touches the fd after this.
            lock (state)
            {
                MarkBypassedRead(state, _tracker.CurrentEpoch);
                SettleLocked(state);
                state.Closed = true;
            }

            _files.TryRemove(handle.Value, out _);
        }

        _inner.Release(node, handle);
    }

    public int OpenDir(in RequestContext context, NodeId node, out FileHandle handle) => _inner.OpenDir(in context, node, out handle);

    public int ReadDir(in RequestContext context, NodeId node, FileHandle handle, ulong offset, ref DirentWriter writer)
    {
        var error = _inner.ReadDir(in context, node, handle, offset, ref writer);
        var epoch = _tracker.CurrentEpoch;
        if (error == 0 && epoch != 0 && _inner.DirectoryOf(handle) is { Entries: { } entries } directory &&
            (!_listedInEpoch.TryGetValue(handle.Value, out var listed) || listed != epoch))
        {
            _listedInEpoch[handle.Value] = epoch;
            _tracker.Record(epoch, new Observation(ObservationKind.Listing, ObservationHashing.ObservedPath(directory.Path))
            {
                Hash = ObservationHashing.ListingHash(entries),
                Names = ObservationHashing.ListingNames(entries),
            });
        }

        return error;
    }

    public void ReleaseDir(NodeId node, FileHandle handle)
    {
        _listedInEpoch.TryRemove(handle.Value, out _);
        _inner.ReleaseDir(node, handle);
    }

    public int StatFs(in RequestContext context, NodeId node, out fuse_kstatfs stat) => _inner.StatFs(in context, node, out stat);

    public int Access(in RequestContext context, NodeId node, int mask) => _inner.Access(in context, node, mask);

    public int GetXattr(in RequestContext context, NodeId node, ReadOnlySpan<byte> name, Span<byte> destination, out int length) =>
        _inner.GetXattr(in context, node, name, destination, out length);

    public int ListXattr(in RequestContext context, NodeId node, Span<byte> destination, out int length) =>
        _inner.ListXattr(in context, node, destination, out length);

    public int Lseek(in RequestContext context, NodeId node, FileHandle handle, long offset, int whence, out long result) =>
        _inner.Lseek(in context, node, handle, offset, whence, out result);

    private void RecordMetadata(long epoch, string path, uint mode, ulong size)
    {
        string? target = null;
        if (ObservationHashing.TypeOf(mode) == EntryType.Symlink &&
            _inner.Root.TryReadLink(ObservationHashing.RelativePath(path), out string linkTarget) == 0)
        {
            target = linkTarget;
        }

        _tracker.Record(epoch, new Observation(ObservationKind.Metadata, path) { Metadata = ObservationHashing.Metadata(mode, size, target) });
    }

    private int LinkPermissions(string path) =>
        _inner.Root.TryStat(path, out var st) == 0 ? st.stx_mode & 0xFFF : 0x1FF;

    // Called with the state locked (or before anyone else can see it).
    private void RecordContent(long epoch, FileState state)
    {
        FStat(state.File.Fd, out var before);
        var stamp = FileStamp.Of(in before);
        var observedPath = ObservationHashing.ObservedPath(state.File.Path);
        var hash = SharedHash(epoch, observedPath, stamp, state.File);
        if (hash is null)
        {
            hash = ObservationHashing.ContentHash(state.File.Fd);
            FStat(state.File.Fd, out var after);
            if (FileStamp.Of(in after) != stamp) stamp = default; // never equal to a real stamp: unstable below
        }

        state.HashedStamp = stamp;
        state.HashedEpoch = epoch;
        _tracker.Record(epoch, new Observation(ObservationKind.Content, observedPath)
        {
            Hash = hash,
            Metadata = ObservationHashing.Metadata(before.stx_mode, before.stx_size, null),
            // The bytes served came from the file as it was at open; the hash from the file as it is now.
            Unstable = stamp != state.OpenStamp || state.Replaced,
        });
    }

    // One hash per file and stamp, even when several handles of it settle at once (a file opened by
    // many processes, or read in every step): the first computes, the others wait for it or reuse it.
    // Across epochs only when the stamp was at least a second old when the hash began: a write within
    // the timestamps' granularity of the hash could otherwise leave the stamp as it was (git's "racy"
    // entries). Null when the file changed while it was being hashed: then the caller hashes for itself.
    private string? SharedHash(long epoch, string observedPath, FileStamp stamp, OpenFile file)
    {
        if (_hashes.TryGetValue(observedPath, out var known) && known.Serves(epoch, stamp))
        {
            return known.Result.Task.GetAwaiter().GetResult();
        }

        var mine = new SharedHashEntry(epoch, stamp);
        var entry = _hashes.AddOrUpdate(observedPath, mine, (_, old) => old.Serves(epoch, stamp) ? old : mine);
        if (entry != mine) return entry.Result.Task.GetAwaiter().GetResult();
        try
        {
            var hash = ObservationHashing.ContentHash(file.Fd);
            var unchanged = FStat(file.Fd, out var after) == 0 && FileStamp.Of(in after) == stamp;
            mine.Result.SetResult(unchanged ? hash : null);
            return unchanged ? hash : null;
        }
        catch (Exception e)
        {
            mine.Result.SetException(e);
            throw;
        }
    }

    // Hashes a handle read in an epoch that has not been hashed for it yet, or re-checks one that was.
    private void Settle(FileState state, long epoch)
    {
        lock (state)
        {
            if (state.Closed) return;
            MarkBypassedRead(state, epoch);
            SettleLocked(state);
        }
    }

    // The kernel may have read a passthrough file at any moment it was open: in this epoch too.
    private static void MarkBypassedRead(FileState state, long epoch)
    {
        if (state.Bypassed && epoch != 0) Volatile.Write(ref state.ReadEpoch, epoch);
    }

    private void SettleLocked(FileState state)
    {
        var readEpoch = Volatile.Read(ref state.ReadEpoch);
        if (readEpoch != 0 && state.HashedEpoch != readEpoch)
        {
            RecordContent(readEpoch, state);
        }
        else if (state.HashedEpoch != 0 && (FStat(state.File.Fd, out var now) != 0 || FileStamp.Of(in now) != state.HashedStamp))
        {
            _tracker.MarkUnstable(state.HashedEpoch, ObservationKind.Content, ObservationHashing.ObservedPath(state.File.Path));
        }
    }

    private void SettleOpenFiles(long epoch)
    {
        foreach (var state in _files.Values)
        {
            if (state.Bypassed || Volatile.Read(ref state.ReadEpoch) == epoch || state.HashedEpoch == epoch) Settle(state, epoch);
        }
    }

    private sealed class SharedHashEntry(long epoch, FileStamp stamp)
    {
        /// <summary>The stamp was over a second old when hashing began: the hash may serve later epochs.</summary>
        private readonly bool _settled = stamp.IsOlderThan(DateTime.UtcNow - TimeSpan.FromSeconds(1));

        public long Epoch { get; } = epoch;

        public FileStamp Stamp { get; } = stamp;

        public bool Serves(long epoch, FileStamp stamp) => Stamp == stamp && (Epoch == epoch || _settled);

        public TaskCompletionSource<string?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class FileState(OpenFile file, FileStamp openStamp)
    {
        /// <summary>The last epoch in which the handle served a READ.</summary>
        public long ReadEpoch;

        /// <summary>The last epoch its content was recorded in (under the state's lock).</summary>
        public long HashedEpoch;

        /// <summary>Released: its fd is closed or about to be (under the state's lock).</summary>
        public bool Closed;

        /// <summary>Read by the kernel itself (FUSE passthrough): no READ tells when (under the lock).</summary>
        public bool Bypassed;

        /// <summary>What the kernel reads for it is another open of the node, no longer the path's file.</summary>
        public bool Replaced;

        public OpenFile File { get; } = file;

        public FileStamp OpenStamp { get; } = openStamp;

        public FileStamp HashedStamp { get; set; }
    }
}
