using System.Text;
using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mounting;

/// <summary>
/// A mirror whose process was killed leaves its mount behind: every access then fails with ENOTCONN
/// ("Transport endpoint is not connected"). The next start detects that and unmounts it.
/// </summary>
public static class StaleMounts
{
    /// <summary>True when <paramref name="path"/> is a FUSE mount whose server is gone.</summary>
    public static unsafe bool IsStale(string path)
    {
        statx st;
        // FORCE_SYNC: the kernel may still hold the root's attributes from the dead server (the mirror
        // lets it cache them within an epoch), and a stat answered from that cache would look healthy.
        var result = StatxAt(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &st);
        return result != 0 && Io.LastErrno == Errno.ENOTCONN;
    }

    /// <summary>Unmounts <paramref name="path"/> if it is a stale FUSE mount; true when it did.</summary>
    public static bool CleanIfStale(string path)
    {
        if (!IsStale(path)) return false;
        var error = GetEuid() == 0 ? KernelMount.Unmount(path) : FusermountMount.Unmount(path);
        if (error != 0) throw new FuseMountException($"{path} is a stale FUSE mount (its server died) and unmounting it failed: {Io.Describe(error)}; run: umount -l {path}");
        return true;
    }

    /// <summary>Cleans every stale Layer mirror mounted at or below <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> CleanUnder(string directory)
    {
        var prefix = Path.GetFullPath(directory).TrimEnd('/');
        var cleaned = new List<string>();
        foreach (var (mountpoint, fsType) in ReadMountInfo())
        {
            if (fsType != KernelMount.FsType) continue;
            if (mountpoint != prefix && !mountpoint.StartsWith(prefix + "/", StringComparison.Ordinal)) continue;
            if (CleanIfStale(mountpoint)) cleaned.Add(mountpoint);
        }

        return cleaned;
    }

    /// <summary>Mount points and types from /proc/self/mountinfo (fields 5 and the one after " - ").</summary>
    internal static IEnumerable<(string Mountpoint, string FsType)> ReadMountInfo()
    {
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length) continue;
            yield return (Unescape(fields[4]), fields[separator + 1]);
        }
    }

    // mountinfo writes space, tab, newline and backslash as \ooo octal escapes.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var bytes = new List<byte>();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                bytes.Add(Convert.ToByte(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
