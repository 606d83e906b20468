using System.Text;

namespace Layer.Engine.Sources;

/// <summary>
/// What a CLONE names: a repository and its DEFAULT branch. Which commit that means is decided per build
/// (the branch named like the local checkout's first, then DEFAULT, then the remote's HEAD), so the
/// <see cref="Id"/> holds only these two: it names the clone in guest records and in read sets, and
/// stays the same while the branches move.
/// </summary>
internal sealed record CloneSource(string Url, string? DefaultBranch)
{
    /// <summary>16 hex digits of BLAKE3 over the url and DEFAULT (no NUL can occur in either).</summary>
    public string Id => Hex16("layer.clone.v1\0" + Url + "\0" + (DefaultBranch ?? ""));

    /// <summary>16 hex digits naming a repository URL in the cache (its mirror and its trees).</summary>
    public static string UrlKey(string url) => Hex16("layer.clone.url.v1\0" + url);

    private static string Hex16(string text) => Convert.ToHexStringLower(Blake3.Hasher.Hash(Encoding.UTF8.GetBytes(text)).AsSpan()[..8]);
}

/// <summary>The commit a CLONE uses in this build, and the branch it came from (null: a pinned commit).</summary>
internal sealed record CloneResolution(string Url, string? Branch, string Commit)
{
    public string Short => Commit[..Math.Min(12, Commit.Length)];

    public override string ToString() => Branch is null ? $"{Url}@{Short}" : $"{Url} ({Branch} at {Short})";
}
