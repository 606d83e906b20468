using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

/// <summary>A Linux file descriptor owned by us; closing it is the only way it ends.</summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor() : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    public FileDescriptor(int fd) : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(new IntPtr(fd));
    }

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw number, for the few calls that need it in text (mount options, /proc/self/fd).</summary>
    public int Value => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle.ToInt64()) == 0;
}
