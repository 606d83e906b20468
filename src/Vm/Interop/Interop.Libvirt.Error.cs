using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>
        /// The leading fields of virError (virterror.h). We only ever read through a pointer libvirt owns,
        /// so mirroring the prefix we use is enough.
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct virError
        {
            public int code;
            public int domain;
            public IntPtr message;
            public int level;
        }

        /// <summary>The last error of the calling thread, or null; owned by libvirt.</summary>
        [LibraryImport(Libraries.Libvirt)]
        internal static unsafe partial virError* virGetLastError();

        [LibraryImport(Libraries.Libvirt)]
        internal static partial void virResetLastError();

        /// <summary>
        /// Without a handler libvirt prints every error to stderr as well; we report them ourselves.
        /// </summary>
        [LibraryImport(Libraries.Libvirt)]
        internal static unsafe partial void virSetErrorFunc(IntPtr userData, delegate* unmanaged<IntPtr, virError*, void> handler);

        [UnmanagedCallersOnly]
        internal static unsafe void IgnoreError(IntPtr userData, virError* error)
        {
        }
    }
}
