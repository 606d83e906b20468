using LiteDB;

namespace Layer.Engine.Cache;

/// <summary>
/// When the index file is damaged, and what is done then: the file (and its journal) moved aside whole, never
/// repaired. LiteDB 5 keeps no checksums, so a half-readable file could still answer from its intact pages and
/// fail, or answer wrongly, from the others; any sign of damage condemns the whole file. The steps it held run
/// again; their layers stay until <c>layer cache prune</c> finds no entry that needs them.
/// <para>
/// The signs, found by damaging files on purpose (truncating, overwriting pages and header bytes): LiteDB's own
/// integrity errors, and almost any other exception thrown while it reads (garbage where a length, a date, a
/// UTF-8 string or a BSON type was expected); a file that is not a whole number of pages (LiteDB takes a file
/// shorter than a page for a new one and overwrites it); a file without the store's collection (a damaged
/// header's collection list reads as empty).
/// </para>
/// </summary>
internal static class IndexDamage
{
    /// <summary>LiteDB's page size: its data file grows and is written by whole pages.</summary>
    public const int PageBytes = 8192;

    /// <summary>Whether <paramref name="e"/>, thrown by LiteDB while it used the file, says the file is damaged.</summary>
    public static bool Is(Exception e) => e switch
    {
        DamagedIndexException => true,
        LiteException lite => lite.ErrorCode is LiteException.INVALID_DATABASE or LiteException.INVALID_DATAFILE_STATE or LiteException.INVALID_FREE_SPACE_PAGE,
        // The disk or the system failing, not the file: the same file may work once that is mended.
        IOException or UnauthorizedAccessException or OperationCanceledException => false,
        _ => true,
    };

    /// <summary>
    /// Checks the file before LiteDB opens it; true when there is no index yet (missing or empty).
    /// </summary>
    /// <exception cref="DamagedIndexException">The file cannot be a whole index.</exception>
    public static bool CheckBeforeOpening(string path)
    {
        var data = new FileInfo(path);
        if (!data.Exists || data.Length == 0) return true;
        // A journal not yet copied into the file may leave its last page half written (a full disk does, without
        // LiteDB saying so); the next open copies it again. Only without one must the file be whole pages.
        var journal = new FileInfo(JournalOf(path));
        if ((!journal.Exists || journal.Length == 0) && data.Length % PageBytes != 0)
        {
            throw new DamagedIndexException($"{data.Length} bytes is not a whole number of pages");
        }

        return false;
    }

    /// <summary>Opens LiteDB on the file: any failure but the system's is the file's (our settings are always valid).</summary>
    public static LiteDB.Engine.LiteEngine Open(LiteDB.Engine.EngineSettings settings)
    {
        try
        {
            return new LiteDB.Engine.LiteEngine(settings);
        }
        catch (Exception e) when (e is not (IOException or UnauthorizedAccessException))
        {
            // Among them: "This data file is encrypted and needs a password to open" (a first byte of 1).
            throw new DamagedIndexException("its header cannot be read", e);
        }
    }

    /// <summary>
    /// Renames the file (its journal first: a journal left beside a fresh file would be replayed into it) to
    /// <c>index.db.damaged-UTC time</c> and returns the line that says so. Call it holding the index lock, so
    /// that of several processes meeting the damage one moves it and the others find the fresh file.
    /// </summary>
    public static string MoveAside(string path)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var journal = JournalOf(path);
        if (File.Exists(journal)) File.Move(journal, $"{journal}.damaged-{stamp}");
        var aside = $"{path}.damaged-{stamp}";
        File.Move(path, aside);
        return $"the cache index {path} was damaged; moved it to {aside} and started an empty one " +
               "(cached steps run again; `layer cache prune` deletes the layers only they used)";
    }

    /// <summary>LiteDB's journal ("log") of a data file: index.db's is index-log.db.</summary>
    public static string JournalOf(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));
}

/// <summary>A damage the store finds itself, before or beside LiteDB's own checks.</summary>
internal sealed class DamagedIndexException(string reason, Exception? inner = null) : Exception(reason, inner);
