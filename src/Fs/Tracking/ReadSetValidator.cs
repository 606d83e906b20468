using System.Collections.Concurrent;
using Layer.Fs.Host;
using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Tracking;

/// <summary>Remembers content hashes by <see cref="FileStamp"/>, so validation need not re-read unchanged files.
/// The engine may keep one across builds; a stamp that differs is simply a miss. Validation calls it
/// from several threads at once. Hashes are the 32 bytes themselves (a hex string per file was most of
/// what loading a cache of 10,000 files allocated).</summary>
public interface IContentHashCache
{
    /// <summary>Copies the hash remembered for <paramref name="path"/> under exactly <paramref name="stamp"/> into <paramref name="hash"/> (32 bytes).</summary>
    bool TryGet(string path, FileStamp stamp, Span<byte> hash);

    void Store(string path, FileStamp stamp, ReadOnlySpan<byte> hash);

    /// <summary>
    /// Whether a folder's listing hash may also be remembered, under <c>path + "/"</c> and the folder's own
    /// stamp (as git's untracked cache does): only where the host filesystem changes a folder's mtime and
    /// ctime whenever an entry is added, removed or renamed (local Linux filesystems; never a network or
    /// FUSE one). Validation uses it only for folders on the same device as the root it checks.
    /// </summary>
    bool RemembersListings { get; }
}

/// <summary>Why an observation no longer holds. Words are the caller's business (the engine's Reasons).</summary>
public enum MismatchKind
{
    /// <summary>The file changed while the step read it, so what it read is not known.</summary>
    Unstable,

    /// <summary>The path no longer exists.</summary>
    Removed,

    /// <summary>The path cannot be read or checked now (Detail: the error).</summary>
    Unreadable,

    /// <summary>A file's bytes changed.</summary>
    ContentChanged,

    /// <summary>A name looked up and not found exists now.</summary>
    Appeared,

    /// <summary>A folder's names or their types changed (Detail: what was added and removed, when the read set kept names).</summary>
    ListingChanged,

    /// <summary>File, folder, link or special file: another now (Detail: "file -> directory").</summary>
    TypeChanged,

    /// <summary>Detail: "644 -> 755" (octal).</summary>
    PermissionsChanged,

    /// <summary>Detail: "10 -> 12" (bytes).</summary>
    SizeChanged,

    /// <summary>Detail: "'a' -> 'b'".</summary>
    LinkTargetChanged,
}

/// <summary>An observation that no longer holds, and why.</summary>
public sealed record Mismatch(Observation Observation, MismatchKind Kind)
{
    /// <summary>What changed, where the kind has more to say (see each <see cref="MismatchKind"/>).</summary>
    public string? Detail { get; init; }
}

public sealed record ValidationResult(IReadOnlyList<Mismatch> Mismatches)
{
    /// <summary>Every observation still holds: the step may be skipped.</summary>
    public bool Holds => Mismatches.Count == 0;
}

/// <summary>
/// Observations that held when checked during one lookup pass. Steps of a Layerfile mostly read the same
/// files (every step after `npm ci` sees the same node_modules): the second step need not stat them again.
/// Only for one pass (the workspace may change between builds), and for one validation at a time: each
/// validation reads it from several threads and adds what it found once its checks are done, on another
/// thread (the next step's index query and decoding need not wait for it; the next validation does).
/// </summary>
public sealed class HeldObservations
{
    // By kind, then path: hashing a path is a fraction of hashing a whole observation (its 64-digit hash,
    // its metadata, a listing's names), and this is paid for every observation of every lookup.
    private readonly Dictionary<string, Observation>[] _held =
        [.. Enum.GetValues<ObservationKind>().Select(_ => new Dictionary<string, Observation>(StringComparer.Ordinal))];

    internal bool Contains(Observation observation)
    {
        if (_held[(int)observation.Kind].TryGetValue(observation.Path, out var held)) return held == observation;
        // A content check compared the file's metadata too: a later step that only stat'ed the file
        // (`find -name`, `ls -l`) observed the same metadata and needs no second look.
        return observation is { Kind: ObservationKind.Metadata, Metadata: not null, Hash: null, Names: null, Unstable: false } &&
               _held[(int)ObservationKind.Content].TryGetValue(observation.Path, out var content) && content.Metadata == observation.Metadata;
    }

    private Task _adding = Task.CompletedTask;

    /// <summary>Waits until what the previous validation found is added (before this one reads it).</summary>
    internal void Settle() => _adding.GetAwaiter().GetResult();

    internal void AddRangeInBackground(IReadOnlyList<Observation> observations, bool[] held) => _adding = Task.Run(() => AddRange(observations, held));

    private void AddRange(IReadOnlyList<Observation> observations, bool[] held)
    {
        var counts = new int[_held.Length];
        for (var i = 0; i < observations.Count; i++)
        {
            if (held[i]) counts[(int)observations[i].Kind]++;
        }

        for (var kind = 0; kind < _held.Length; kind++) _held[kind].EnsureCapacity(_held[kind].Count + counts[kind]);
        for (var i = 0; i < observations.Count; i++)
        {
            if (held[i]) _held[(int)observations[i].Kind][observations[i].Path] = observations[i];
        }
    }
}

/// <summary>
/// Re-checks a stored read set against a host folder as it is now: a pure function of the folder's
/// contents, reaching it exactly as the mirror does (confined, symlinks never followed) and hashing
/// exactly as the tracker does (<see cref="ObservationHashing"/>).
/// </summary>
public static class ReadSetValidator
{
    /// <param name="hostRoot">The folder the read set was recorded from (a mirror's host root).</param>
    /// <param name="readSet">The observations to check.</param>
    /// <param name="cache">Optional content hashes by file stamp.</param>
    /// <param name="stopAtFirst">Return at the first mismatch (a cache lookup needs only a yes or no).</param>
    /// <param name="held">Observations already found to hold moment ago (in this lookup pass), checked again for nothing.</param>
    public static ValidationResult Validate(string hostRoot, ReadSet readSet, IContentHashCache? cache = null, bool stopAtFirst = false, HeldObservations? held = null)
    {
        using var root = HostRoot.Open(hostRoot);
        using var parents = new ParentDirectories(root);
        var observations = readSet.Observations;
        if (observations.Count == 0) return new ValidationResult([]);
        var found = new Mismatch?[observations.Count];
        var heldNow = held is null ? null : new bool[observations.Count];
        held?.Settle();
        var stop = 0;
        var listings = cache is { RemembersListings: true } && parents.TryStat("", out var rootStat) == 0 ? FileStamp.Of(in rootStat).Device : (ulong?)null;
        // Each check is a few syscalls on its own path: spread them over the cores. Mismatches are
        // reported in read-set order whatever order the checks finished in.
        Parallel.ForEach(Partitioner.Create(0, observations.Count, ParallelChunk), (range, state) =>
        {
            for (var i = range.Item1; i < range.Item2 && Volatile.Read(ref stop) == 0; i++)
            {
                var observation = observations[i];
                if (held is not null && held.Contains(observation)) continue;
                var mismatch = observation.Unstable ? new Mismatch(observation, MismatchKind.Unstable) : Check(root, parents, observation, cache, listings);
                if (mismatch is null)
                {
                    if (heldNow is not null) heldNow[i] = true;
                    continue;
                }

                found[i] = mismatch.Kind == MismatchKind.ListingChanged ? mismatch with { Detail = ListingDetail(root, observation) } : mismatch;
                if (stopAtFirst) Volatile.Write(ref stop, 1);
            }
        });

        held?.AddRangeInBackground(observations, heldNow!);
        var mismatches = found.OfType<Mismatch>().ToList();
        return new ValidationResult(stopAtFirst && mismatches.Count > 1 ? mismatches[..1] : mismatches);
    }

    private const int ParallelChunk = 512;

    /// <param name="listings">The root's device when <paramref name="cache"/> remembers listings of folders on it.</param>
    private static Mismatch? Check(HostRoot root, ParentDirectories parents, Observation observation, IContentHashCache? cache, ulong? listings)
    {
        var path = ObservationHashing.RelativePath(observation.Path);
        Mismatch Because(MismatchKind kind, string? detail = null) => new(observation, kind) { Detail = detail };
        Mismatch Gone(int error) => error == Errno.ENOENT ? Because(MismatchKind.Removed) : Because(MismatchKind.Unreadable, Io.Describe(error));
        Mismatch? Compare(FileMetadata? then, FileMetadata now) => CompareMetadata(then, now) is { } changed ? Because(changed.Kind, changed.Detail) : null;
        switch (observation.Kind)
        {
            case ObservationKind.Absent:
            {
                var error = parents.TryStat(path, out _);
                return error switch
                {
                    0 => Because(MismatchKind.Appeared),
                    Errno.ENOENT or Errno.ENOTDIR => null,
                    _ => Because(MismatchKind.Unreadable, Io.Describe(error)),
                };
            }

            case ObservationKind.Metadata:
            {
                var error = parents.TryStat(path, out var st);
                if (error != 0) return Gone(error);
                string? target = null;
                if (ObservationHashing.TypeOf(st.stx_mode) == EntryType.Symlink && root.TryReadLink(path, out string t) == 0) target = t;
                return Compare(observation.Metadata, ObservationHashing.Metadata(st.stx_mode, st.stx_size, target));
            }

            case ObservationKind.Content:
            {
                // Stat first (one statx in its folder): an unchanged stamp with a cached hash needs no read at all.
                var error = parents.TryStat(path, out var st);
                if (error != 0) return Gone(error);
                var different = Compare(observation.Metadata, ObservationHashing.Metadata(st.stx_mode, st.stx_size, null));
                if (different is not null) return different;
                var stamp = FileStamp.Of(in st);
                Span<byte> cached = stackalloc byte[ContentHashBytes];
                if (cache is not null && cache.TryGet(observation.Path, stamp, cached)) return ReadSetCodec.IsLowerHexOf(observation.Hash, cached) ? null : Because(MismatchKind.ContentChanged);
                error = root.TryOpen(path, O_RDONLY, out var fd);
                if (error != 0) return Gone(error);
                using (fd)
                {
                    if (FStat(fd, out st) != 0) return Gone(Io.LastErrno);
                    different = Compare(observation.Metadata, ObservationHashing.Metadata(st.stx_mode, st.stx_size, null));
                    if (different is not null) return different;
                    var hash = ObservationHashing.ContentHash(fd);
                    if (cache is not null && ReadSetCodec.TryParseHash(hash, cached)) cache.Store(observation.Path, FileStamp.Of(in st), cached);
                    return hash == observation.Hash ? null : Because(MismatchKind.ContentChanged);
                }
            }

            case ObservationKind.Listing:
            {
                // A folder whose stamp is unchanged has the same entries (see IContentHashCache.RemembersListings):
                // one statx instead of opening, reading and hashing it. Stat before reading, as for files.
                FileStamp? stamp = null;
                Span<byte> known = stackalloc byte[ContentHashBytes];
                if (listings is { } device && parents.TryStat(path, out var st) == 0 && ObservationHashing.TypeOf(st.stx_mode) == EntryType.Directory &&
                    FileStamp.Of(in st) is var folder && folder.Device == device)
                {
                    stamp = folder;
                    if (cache!.TryGet(ListingKey(observation.Path), folder, known)) return ReadSetCodec.IsLowerHexOf(observation.Hash, known) ? null : Because(MismatchKind.ListingChanged);
                }

                var error = root.TryReadDirectory(path, out var entries);
                if (error != 0) return Gone(error);
                var hash = ObservationHashing.ListingHash(entries);
                if (stamp is { } seen && ReadSetCodec.TryParseHash(hash, known)) cache!.Store(ListingKey(observation.Path), seen, known);
                return hash == observation.Hash ? null : Because(MismatchKind.ListingChanged);
            }

            default:
                return Because(MismatchKind.Unreadable, $"unknown observation kind {observation.Kind}");
        }
    }

    /// <summary>What changed in a listing, when the read set kept its names.</summary>
    private static string? ListingDetail(HostRoot root, Observation observation)
    {
        if (observation.Names is null || root.TryReadDirectory(ObservationHashing.RelativePath(observation.Path), out var entries) != 0) return null;
        var now = ObservationHashing.ListingNames(entries);
        if (now is null) return null;
        var before = observation.Names.Length == 0 ? [] : observation.Names.Split('\0');
        var after = now.Length == 0 ? [] : now.Split('\0');
        var added = after.Except(before, StringComparer.Ordinal).ToList();
        var removed = before.Except(after, StringComparer.Ordinal).ToList();
        static string List(List<string> names) => string.Join(", ", names.Take(5)) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
        var parts = new List<string>();
        if (added.Count > 0) parts.Add("added: " + List(added));
        if (removed.Count > 0) parts.Add("removed: " + List(removed));
        return parts.Count == 0 ? "an entry changed type" : string.Join("; ", parts);
    }

    private const int ContentHashBytes = 32;

    /// <summary>Where a listing is remembered: no file's observed path ends with '/'.</summary>
    private static string ListingKey(string observedPath) => observedPath + "/";

    private static (MismatchKind Kind, string Detail)? CompareMetadata(FileMetadata? then, FileMetadata now)
    {
        if (then is null || then == now) return null;
        if (then.Type != now.Type) return (MismatchKind.TypeChanged, $"{Name(then.Type)} -> {Name(now.Type)}");
        if (then.Permissions != now.Permissions) return (MismatchKind.PermissionsChanged, $"{Convert.ToString(then.Permissions, 8)} -> {Convert.ToString(now.Permissions, 8)}");
        if (then.Size != now.Size) return (MismatchKind.SizeChanged, $"{then.Size} -> {now.Size}");
        return (MismatchKind.LinkTargetChanged, $"'{then.LinkTarget}' -> '{now.LinkTarget}'");
    }

    private static string Name(EntryType type) => type switch
    {
        EntryType.File => "file",
        EntryType.Directory => "directory",
        EntryType.Symlink => "symlink",
        _ => "special file",
    };
}
