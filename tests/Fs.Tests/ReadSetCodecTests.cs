using Layer.Fs.Tracking;

namespace Layer.Fs.Tests;

public sealed class ReadSetCodecTests
{
    private static readonly string Hash = new string('a', 63) + "f";

    [Fact]
    public void Every_kind_of_observation_round_trips()
    {
        var set = new ReadSet(
        [
            new Observation(ObservationKind.Listing, ".") { Hash = Hash, Names = "a\0b c\0ü" },
            new Observation(ObservationKind.Listing, "empty") { Hash = Hash, Names = "" },
            new Observation(ObservationKind.Content, "src/a b/ü.txt") { Hash = Hash, Metadata = new FileMetadata(EntryType.File, 0x1A4, 123456789012, null) },
            new Observation(ObservationKind.Content, "src/a b/ü2.txt") { Hash = Hash, Metadata = new FileMetadata(EntryType.File, 0x1ED, 0, null), Unstable = true },
            new Observation(ObservationKind.Metadata, "src/link") { Metadata = new FileMetadata(EntryType.Symlink, 0x1FF, 7, "../x y") },
            new Observation(ObservationKind.Absent, "src/missing\nname"),
            new Observation(ObservationKind.Metadata, "😀/dir") { Metadata = new FileMetadata(EntryType.Directory, 0x1C0, 0, null) },
            new Observation(ObservationKind.Content, "odd-hash") { Hash = "NOT-HEX" },
        ]);
        var decoded = ReadSetCodec.Decode(ReadSetCodec.Encode(set));
        Assert.Equal(set.Observations, decoded.Observations);
        Assert.Equal(set.IsStable, decoded.IsStable);
    }

    [Fact]
    public void Shared_path_prefixes_make_a_large_read_set_much_smaller_than_its_json()
    {
        var set = new ReadSet(Enumerable.Range(0, 5000)
            .Select(i => new Observation(ObservationKind.Content, $"node_modules/package-{i / 50:000}/lib/file-{i:00000}.js")
            {
                Hash = Convert.ToHexStringLower(BitConverter.GetBytes(i).Concat(new byte[28]).ToArray()),
                Metadata = new FileMetadata(EntryType.File, 0x1A4, i, null),
            }).ToList());
        var bytes = ReadSetCodec.Encode(set);
        Assert.Equal(set.Observations, ReadSetCodec.Decode(bytes).Observations);
        Assert.True(bytes.Length * 3 < set.ToJson().Length, $"{bytes.Length} bytes against {set.ToJson().Length} of JSON");
    }

    [Fact]
    public void Hex_is_the_runtime_lowercase_hex_and_only_that_text_matches_the_bytes()
    {
        var every = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var hex = ReadSetCodec.LowerHex(every);
        Assert.Equal(Convert.ToHexStringLower(every), hex);
        Assert.True(ReadSetCodec.IsLowerHexOf(hex, every));
        Assert.False(ReadSetCodec.IsLowerHexOf(hex.ToUpperInvariant(), every));
        Assert.False(ReadSetCodec.IsLowerHexOf(hex[..^2], every));
        Assert.False(ReadSetCodec.IsLowerHexOf(null, every));
        Assert.False(ReadSetCodec.IsLowerHexOf(hex[..^1] + "e", every));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'L', (byte)'R', (byte)'S', (byte)'1', 5 })]
    [InlineData(new byte[] { (byte)'L', (byte)'R', (byte)'S', (byte)'1', 1, 0, 0, 9, 0 })]
    [InlineData(new byte[] { (byte)'L', (byte)'R', (byte)'S', (byte)'1', 0, 0 })]
    public void Damaged_bytes_are_a_format_error(byte[] bytes)
    {
        Assert.Throws<FormatException>(() => ReadSetCodec.Decode(bytes));
    }
}
