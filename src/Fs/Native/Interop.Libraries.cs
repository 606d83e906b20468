namespace Layer.Fs.Native;

/// <summary>
/// Every libc import of Layer.Fs lives in this partial class, one file per family of
/// calls with its structs. We speak to the kernel directly: no libfuse, no Mono.Posix.
/// </summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const string Name = "libc";
    }
}
