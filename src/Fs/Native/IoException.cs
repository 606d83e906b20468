using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

/// <summary>Turns libc's -1/errno convention into exceptions that name the path or operation.</summary>
internal static class Io
{
    public static int LastErrno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    public static long Check(long result, string what)
    {
        if (result < 0) throw Error(LastErrno, what);
        return result;
    }

    public static IOException Error(int errno, string what) =>
        new FsIoException(errno, $"{what}: {Describe(errno)} (errno {errno})");
}

/// <summary>A failed system call, with its errno kept for callers that branch on it.</summary>
public sealed class FsIoException : IOException
{
    internal FsIoException(int errno, string message) : base(message)
    {
        Errno = errno;
    }

    public int Errno { get; }
}
