namespace Layer.Engine.Cache;

/// <summary>
/// The disk holding the cache folder is full (or the user's quota is): the write that met it left nothing
/// half done (the index journals, files are renamed into place), so freeing space is all the next run needs.
/// </summary>
public sealed class CacheFullException : IOException
{
    private const int NoSpace = 28;   // ENOSPC
    private const int QuotaExceeded = 122;   // EDQUOT

    public CacheFullException(string folder, IOException inner)
        : base($"no space left for the cache in {folder} ({FreeSpace(folder)} free): free space there or run `layer cache prune`", inner)
    {
        Folder = folder;
        HResult = inner.HResult;
    }

    /// <summary>The folder the write was for.</summary>
    public string Folder { get; }

    /// <summary>Whether <paramref name="e"/> is the kernel saying the disk (or quota) is full: .NET keeps the errno as the HResult.</summary>
    internal static bool IsDiskFull(IOException e) => e.HResult is NoSpace or QuotaExceeded;

    private static string FreeSpace(string folder)
    {
        try
        {
            return ByteSize.Format(new DriveInfo(folder).AvailableFreeSpace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return "unknown";
        }
    }
}
