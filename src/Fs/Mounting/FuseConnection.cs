using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mounting;

/// <summary>
/// The kernel's control files for a FUSE connection (/sys/fs/fuse/connections/N, N being the minor
/// device number of the mount). Writing to `abort` ends a connection that a lazy unmount left alive
/// because some process still had a file open inside it, which wakes our serving threads.
/// </summary>
internal static class FuseConnection
{
    private const string ControlDirectory = "/sys/fs/fuse/connections";

    /// <summary>The connection number of the FUSE mount at <paramref name="mountpoint"/>, or null.</summary>
    public static unsafe uint? NumberOf(string mountpoint)
    {
        statx st;
        return StatxAt(AT_FDCWD, mountpoint, 0, STATX_BASIC_STATS, &st) == 0 ? st.stx_dev_minor : null;
    }

    /// <summary>
    /// Best effort (root only): lets the kernel read ahead up to <paramref name="kib"/> KiB on the
    /// connection's backing device. The kernel starts a FUSE mount at 128 KiB whatever max_pages INIT
    /// agreed, so a sequential reader got 128 KiB READs; one READ per 1 MiB is about 1.6x faster here.
    /// </summary>
    public static void SetReadahead(uint connection, int kib)
    {
        try
        {
            File.WriteAllText($"/sys/class/bdi/0:{connection}/read_ahead_kb", kib.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Waits, at most <paramref name="limit"/>, until the kernel has no request of this connection queued
    /// or being served (its `waiting` count is 0). False when it did not get there, or cannot tell
    /// (not root, no fusectl).
    /// </summary>
    public static bool WaitIdle(uint connection, TimeSpan limit)
    {
        if (ControlFile(connection, "waiting") is not { } waiting) return false;
        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        try
        {
            while (true)
            {
                if (File.ReadAllText(waiting).Trim() == "0") return true;
                if (Environment.TickCount64 >= deadline) return false;
                Thread.Sleep(1);
            }
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The connection's control file <paramref name="name"/>, mounting fusectl first if needed (root only); null when there is none.</summary>
    private static string? ControlFile(uint connection, string name)
    {
        var path = $"{ControlDirectory}/{connection}/{name}";
        if (!File.Exists(path) && GetEuid() == 0 && Directory.Exists(ControlDirectory))
        {
            Interop.Libc.Mount("fusectl", ControlDirectory, "fusectl", 0, "");
        }

        return File.Exists(path) ? path : null;
    }

    /// <summary>Best effort: mounts fusectl if needed (root only) and aborts the connection.</summary>
    public static bool Abort(uint connection)
    {
        try
        {
            if (ControlFile(connection, "abort") is not { } abort) return false;
            File.WriteAllText(abort, "1");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
