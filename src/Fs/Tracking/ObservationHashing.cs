using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Layer.Fs.Host;
using Layer.Fs.Native;

namespace Layer.Fs.Tracking;

/// <summary>
/// The one definition of every hash and metadata record in a read set. The tracker (while serving)
/// and the validator (against the host later) both call these, so they can never disagree.
/// </summary>
internal static class ObservationHashing
{
    private const int ChunkSize = 1024 * 1024;

    // Versioned so that a change of definition can never match an old stored value.
    private static readonly byte[] ListingTag = "layer.listing.v1\0"u8.ToArray();

    /// <summary>BLAKE3 of every byte of the open file, read with pread from offset 0 to end of file
    /// (the plain BLAKE3 of the bytes, as `b3sum` prints it).</summary>
    public static unsafe string ContentHash(SafeHandle file)
    {
        using var hasher = Blake3.Hasher.New();
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long offset = 0;
            fixed (byte* pointer = buffer)
            {
                while (true)
                {
                    var n = Interop.Libc.PRead(file, pointer, (nuint)buffer.Length, offset);
                    if (n < 0)
                    {
                        var errno = Io.LastErrno;
                        if (errno == Errno.EINTR) continue;
                        throw Io.Error(errno, "reading a file to hash it");
                    }

                    if (n == 0) break;
                    hasher.Update(buffer.AsSpan(0, (int)n));
                    offset += n;
                }
            }

            return hasher.Finalize().ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hash of a directory's entries: sorted by their bytes, each as a type letter, the name and NUL.
    /// "." and ".." are left out.</summary>
    public static string ListingHash(IEnumerable<HostDirEntry> entries)
    {
        var sorted = entries.Where(e => !e.IsDotOrDotDot).Select(e => e.Name).ToList();
        var types = entries.Where(e => !e.IsDotOrDotDot).ToDictionary(e => e.Name, e => TypeLetter(e.DType), ByteArrayComparer.Instance);
        sorted.Sort(ByteArrayComparer.Instance);
        using var hasher = Blake3.Hasher.New();
        hasher.Update(ListingTag);
        Span<byte> one = stackalloc byte[1];
        foreach (var name in sorted)
        {
            one[0] = types[name];
            hasher.Update(one);
            hasher.Update(name);
            one[0] = 0;
            hasher.Update(one);
        }

        return hasher.Finalize().ToString();
    }

    /// <summary>Listings larger than this keep their hash only.</summary>
    public const int MaxListedNames = 4096;

    /// <summary>A folder's entry names, sorted, NUL-separated (names that are not UTF-8 shown with U+FFFD); null past <see cref="MaxListedNames"/>.</summary>
    public static string? ListingNames(IEnumerable<HostDirEntry> entries)
    {
        var names = entries.Where(e => !e.IsDotOrDotDot).Select(e => System.Text.Encoding.UTF8.GetString(e.Name)).ToList();
        if (names.Count > MaxListedNames) return null;
        names.Sort(StringComparer.Ordinal);
        return string.Join('\0', names);
    }

    /// <summary>The metadata record from a mode and size (stat's or fuse_attr's).</summary>
    public static FileMetadata Metadata(uint mode, ulong size, string? linkTarget)
    {
        var type = TypeOf(mode);
        var keepsSize = type is EntryType.File or EntryType.Symlink;
        return new FileMetadata(type, (int)(mode & 0xFFF), keepsSize ? (long)size : 0, type == EntryType.Symlink ? linkTarget : null);
    }

    public static EntryType TypeOf(uint mode) => (mode & Interop.Libc.S_IFMT) switch
    {
        Interop.Libc.S_IFREG => EntryType.File,
        Interop.Libc.S_IFDIR => EntryType.Directory,
        Interop.Libc.S_IFLNK => EntryType.Symlink,
        _ => EntryType.Other,
    };

    /// <summary>The path of a child in observation form: "." is the root.</summary>
    public static string Child(string parent, string name) => parent.Length == 0 || parent == "." ? name : parent + "/" + name;

    /// <summary>Our internal root-relative path ("" for the root) in observation form.</summary>
    public static string ObservedPath(string relativePath) => relativePath.Length == 0 ? "." : relativePath;

    /// <summary>The inverse of <see cref="ObservedPath"/>.</summary>
    public static string RelativePath(string observedPath) => observedPath == "." ? "" : observedPath;

    private static byte TypeLetter(byte dtype) => dtype switch
    {
        HostDirEntry.DT_REG => (byte)'f',
        HostDirEntry.DT_DIR => (byte)'d',
        HostDirEntry.DT_LNK => (byte)'l',
        _ => (byte)'o',
    };

    private sealed class ByteArrayComparer : IComparer<byte[]>, IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
