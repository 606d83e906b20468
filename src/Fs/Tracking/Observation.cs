namespace Layer.Fs.Tracking;

/// <summary>What a step was seen doing to one path (DESIGN.md, "A read set holds observations").</summary>
public enum ObservationKind
{
    /// <summary>The file's bytes were read: <see cref="Observation.Hash"/> is BLAKE3 of the whole file.</summary>
    Content,

    /// <summary>Its type, permission bits, size or link target were seen (stat, lookup, readlink).</summary>
    Metadata,

    /// <summary>A lookup of this name found nothing.</summary>
    Absent,

    /// <summary>The directory was listed: <see cref="Observation.Hash"/> covers its sorted names and types.</summary>
    Listing,
}

/// <summary>The type of a file as observations record it.</summary>
public enum EntryType
{
    File,
    Directory,
    Symlink,

    /// <summary>Devices, FIFOs and sockets.</summary>
    Other,
}

/// <summary>
/// What a metadata observation holds. Never timestamps, owners or inode numbers: a fresh clone
/// changes those and must not invalidate anything. Size is kept for files and symlinks only
/// (a directory's size is the host filesystem's business; its listing covers its content).
/// </summary>
public sealed record FileMetadata(EntryType Type, int Permissions, long Size, string? LinkTarget);

/// <summary>
/// One observation. <see cref="Path"/> is relative to the mirrored root with '/' separators;
/// "." is the root itself.
/// </summary>
public sealed record Observation(ObservationKind Kind, string Path)
{
    /// <summary>Content: lowercase hex BLAKE3 of the bytes. Listing: the listing hash. Otherwise null.</summary>
    public string? Hash { get; init; }

    /// <summary>Metadata, and for content the file's metadata when its bytes were hashed.</summary>
    public FileMetadata? Metadata { get; init; }

    /// <summary>
    /// Listing: the entry names, sorted and NUL-separated, so that a change can be explained ("added:
    /// new.js"). Null for folders of more than <see cref="ObservationHashing.MaxListedNames"/> entries.
    /// Never compared: <see cref="Hash"/> decides whether a listing still holds.
    /// </summary>
    public string? Names { get; init; }

    /// <summary>The file changed while the step had it open, or two sightings disagreed: never cache on it.</summary>
    public bool Unstable { get; init; }
}
