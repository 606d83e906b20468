using System.Runtime.InteropServices;

namespace Layer.Guest;

/// <summary>A failed system call: carries errno so the Error frame can report it.</summary>
internal sealed class SyscallException(int errno, string message) : Exception($"{message}: {Interop.Sys.StrError(errno)}")
{
    public int Errno { get; } = errno;

    /// <summary>Throws with the calling thread's errno when a call returned -1.</summary>
    public static int Check(int result, string what)
    {
        if (result == -1) throw new SyscallException(Marshal.GetLastPInvokeError(), what);
        return result;
    }
}
