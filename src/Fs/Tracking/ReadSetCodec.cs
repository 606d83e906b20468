using System.Text;

namespace Layer.Fs.Tracking;

/// <summary>
/// A compact binary form of a <see cref="ReadSet"/> for the cache index: a validation of a step that
/// read 10,000 files decodes its read set in a few milliseconds, where JSON took tens.
/// <code>
///   "LRS1"  count:varint
///   per observation (in read-set order):
///     kind:u8  flags:u8 (1 unstable, 2 hash, 4 metadata, 8 link target)
///     shared:varint suffix:string     path = previous path[..shared] + suffix
///     [hash: 32 bytes]                BLAKE3, hex in the model
///     [type:u8 permissions:varint size:varint [target:string]]
///     [names:string]                  a listing's entry names, NUL-separated
///   string = length:varint + UTF-8 bytes
/// </code>
/// Hashes are lowercase hex of 32 bytes everywhere in the model; anything else is kept as a string
/// under flag 16, so no value can be lost in the round trip. Flag 32: names follow.
/// </summary>
public static class ReadSetCodec
{
    private static readonly byte[] Magic = "LRS1"u8.ToArray();

    private const byte Unstable = 1, HasHash = 2, HasMetadata = 4, HasLink = 8, TextHash = 16, HasNames = 32;

    public static byte[] Encode(ReadSet readSet)
    {
        var output = new List<byte>(readSet.Observations.Count * 48 + 16);
        output.AddRange(Magic);
        WriteVarint(output, (ulong)readSet.Observations.Count);
        var previous = "";
        Span<byte> hash = stackalloc byte[32];
        foreach (var o in readSet.Observations)
        {
            var rawHash = o.Hash is { } h && TryParseHash(h, hash);
            var flags = (byte)((o.Unstable ? Unstable : 0) | (o.Hash is null ? 0 : rawHash ? HasHash : TextHash) |
                               (o.Metadata is null ? 0 : HasMetadata) | (o.Metadata?.LinkTarget is null ? 0 : HasLink) |
                               (o.Names is null ? 0 : HasNames));
            output.Add((byte)o.Kind);
            output.Add(flags);
            var shared = SharedPrefix(previous, o.Path);
            WriteVarint(output, (ulong)shared);
            WriteString(output, o.Path[shared..]);
            previous = o.Path;
            if (rawHash) output.AddRange(hash.ToArray());
            else if (o.Hash is not null) WriteString(output, o.Hash);
            if (o.Metadata is { } m)
            {
                output.Add((byte)m.Type);
                WriteVarint(output, (ulong)m.Permissions);
                WriteVarint(output, (ulong)m.Size);
                if (m.LinkTarget is not null) WriteString(output, m.LinkTarget);
            }

            if (o.Names is not null) WriteString(output, o.Names);
        }

        return output.ToArray();
    }

    /// <exception cref="FormatException">The bytes are not a read set written by <see cref="Encode"/>.</exception>
    public static ReadSet Decode(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.StartsWith(Magic)) throw new FormatException("not an encoded read set");
        var position = Magic.Length;
        var count = checked((int)ReadVarint(bytes, ref position));
        var observations = new List<Observation>(Math.Min(count, bytes.Length));
        var previous = "";
        for (var i = 0; i < count; i++)
        {
            var kind = (ObservationKind)Byte(bytes, ref position);
            var flags = Byte(bytes, ref position);
            var shared = checked((int)ReadVarint(bytes, ref position));
            if (shared > previous.Length) throw new FormatException("a path prefix is longer than the previous path");
            var path = Join(previous, shared, Take(bytes, ref position, checked((int)ReadVarint(bytes, ref position))));
            previous = path;
            string? hash = null;
            if ((flags & HasHash) != 0)
            {
                hash = LowerHex(Take(bytes, ref position, 32));
            }
            else if ((flags & TextHash) != 0)
            {
                hash = ReadString(bytes, ref position);
            }

            FileMetadata? metadata = null;
            if ((flags & HasMetadata) != 0)
            {
                var type = (EntryType)Byte(bytes, ref position);
                var permissions = checked((int)ReadVarint(bytes, ref position));
                var size = checked((long)ReadVarint(bytes, ref position));
                var target = (flags & HasLink) != 0 ? ReadString(bytes, ref position) : null;
                metadata = new FileMetadata(type, permissions, size, target);
            }

            var names = (flags & HasNames) != 0 ? ReadString(bytes, ref position) : null;
            observations.Add(new Observation(kind, path) { Hash = hash, Metadata = metadata, Names = names, Unstable = (flags & Unstable) != 0 });
        }

        if (position != bytes.Length) throw new FormatException("trailing bytes after a read set");
        return new ReadSet(observations);
    }

    /// <summary>
    /// Lowercase hex of <paramref name="bytes"/>, as <see cref="Convert.ToHexStringLower(ReadOnlySpan{byte})"/> gives it, one
    /// digit at a time. The NativeAOT CLI targets plain x86-64, where the runtime's vectorized hex falls back
    /// to an emulated shuffle: decoding a read set of 10,000 files spent more time there than in the rest.
    /// </summary>
    internal static string LowerHex(ReadOnlySpan<byte> bytes) => string.Create(bytes.Length * 2, bytes, static (text, bytes) =>
    {
        var digits = "0123456789abcdef"u8;
        for (var i = 0; i < bytes.Length; i++)
        {
            text[2 * i] = (char)digits[bytes[i] >> 4];
            text[2 * i + 1] = (char)digits[bytes[i] & 15];
        }
    });

    /// <summary>The bytes of a lowercase hex hash of 32 bytes (how read sets and hash caches keep one), which turn back into exactly that text; false for any other text.</summary>
    public static bool TryParseHash(string hex, Span<byte> raw) =>
        hex.Length == 64 && Convert.FromHexString(hex, raw, out _, out var written) == System.Buffers.OperationStatus.Done &&
        written == 32 && IsLowerHexOf(hex, raw);

    /// <summary>Whether <paramref name="hex"/> is exactly <see cref="LowerHex"/> of <paramref name="bytes"/> (the same test as comparing the strings, without making one).</summary>
    internal static bool IsLowerHexOf(string? hex, ReadOnlySpan<byte> bytes)
    {
        if (hex is null || hex.Length != bytes.Length * 2) return false;
        var digits = "0123456789abcdef"u8;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (hex[2 * i] != digits[bytes[i] >> 4] || hex[2 * i + 1] != digits[bytes[i] & 15]) return false;
        }

        return true;
    }

    private static int SharedPrefix(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        var i = 0;
        while (i < n && a[i] == b[i]) i++;
        // Never split a surrogate pair: the suffix must be valid UTF-16 to encode as UTF-8.
        if (i > 0 && char.IsHighSurrogate(b[i - 1])) i--;
        return i;
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private static void WriteString(List<byte> output, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteVarint(output, (ulong)bytes.Length);
        output.AddRange(bytes);
    }

    private static byte Byte(ReadOnlySpan<byte> bytes, ref int position) =>
        position < bytes.Length ? bytes[position++] : throw new FormatException("an encoded read set ends early");

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> bytes, ref int position, int length)
    {
        if (length < 0 || position + length > bytes.Length) throw new FormatException("an encoded read set ends early");
        var slice = bytes.Slice(position, length);
        position += length;
        return slice;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte(bytes, ref position);
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }

        throw new FormatException("a varint is too long");
    }

    /// <summary><c>previous[..shared]</c> followed by the UTF-8 <paramref name="suffix"/>, made as one string (a path per observation).</summary>
    private static string Join(string previous, int shared, ReadOnlySpan<byte> suffix)
    {
        if (shared == 0) return Encoding.UTF8.GetString(suffix);
        var length = shared + Encoding.UTF8.GetCharCount(suffix);
        return string.Create(length, new PathParts(previous, shared, suffix), static (text, parts) =>
        {
            parts.Previous.AsSpan(0, parts.Shared).CopyTo(text);
            Encoding.UTF8.GetChars(parts.Suffix, text[parts.Shared..]);
        });
    }

    private readonly ref struct PathParts(string previous, int shared, ReadOnlySpan<byte> suffix)
    {
        public string Previous { get; } = previous;

        public int Shared { get; } = shared;

        public ReadOnlySpan<byte> Suffix { get; } = suffix;
    }

    private static string ReadString(ReadOnlySpan<byte> bytes, ref int position)
    {
        var length = checked((int)ReadVarint(bytes, ref position));
        return Encoding.UTF8.GetString(Take(bytes, ref position, length));
    }
}
