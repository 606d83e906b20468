using System.Runtime.InteropServices;

namespace Layer.Guest.Tests;

internal static partial class Interop
{
    [LibraryImport("libc.so.6", EntryPoint = "kill")]
    private static partial int SysKill(int pid, int signal);

    [LibraryImport("libc.so.6", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SysUmount2(string target, int flags);

    public static void Kill(int pid) => SysKill(pid, 9);

    /// <summary>Lazy unmount; returns false (and errno) when nothing was mounted there.</summary>
    public static bool Unmount(string target) => SysUmount2(target, 2) == 0;
}
