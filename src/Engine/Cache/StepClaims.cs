namespace Layer.Engine.Cache;

/// <summary>
/// One run of a step at a time per key, across threads and `layer` processes sharing a cache (BuildKit
/// shares a vertex between builds the same way). Whoever runs a unit holds the claim on its key until its
/// entry is recorded or it failed; another build that misses on that key waits for the claim, then looks
/// the key up again, and finds the entry instead of running the step a second time. Keys of units with a
/// fresh parent (every step after the first one a build runs) are never contended, so unrelated steps never
/// wait for each other.
/// <para>A claim is an exclusive flock on <c>claims/KEY</c> (FileShare.None on Linux; it also excludes other
/// threads of this process), so it ends with its holder however that dies. The files stay (empty) and
/// `layer cache prune` removes those nobody holds.</para>
/// </summary>
public sealed class StepClaims(string folder)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>The claims of a cache folder.</summary>
    public static StepClaims In(Vm.Host.CacheDirectory cache) => new(Path.Combine(cache.Root, "claims"));

    /// <summary>Claims <paramref name="key"/> if nobody holds it; null when another build does.</summary>
    public IDisposable? TryClaim(string key)
    {
        if (!IsKey(key)) throw new ArgumentException($"not a step key: {key}", nameof(key));
        Directory.CreateDirectory(folder);
        try
        {
            return new FileStream(Path.Combine(folder, key), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && !IsDiskFull(e))
        {
            return null;
        }
    }

    /// <summary>Waits until <paramref name="key"/> is free, then claims it.</summary>
    public async Task<IDisposable> ClaimAsync(string key, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryClaim(key) is { } claim) return claim;
            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>Deletes the claim files nobody holds (what `layer cache prune` calls); returns how many.</summary>
    public int RemoveIdle()
    {
        if (!Directory.Exists(folder)) return 0;
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            if (!IsKey(Path.GetFileName(path))) continue;
            using var claim = TryClaim(Path.GetFileName(path));
            if (claim is null) continue;
            // Deleted while held: a build that opened it meanwhile holds a claim on a file no longer there,
            // which is harmless (that build only looks its key up again, and runs the step if still missing).
            File.Delete(path);
            removed++;
        }

        return removed;
    }

    private static bool IsKey(string name) => name.Length > 0 && name.All(char.IsAsciiHexDigitLower);

    private static bool IsDiskFull(IOException e) => e.HResult == 28;
}
