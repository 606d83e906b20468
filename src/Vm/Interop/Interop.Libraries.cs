internal static partial class Interop
{
    /// <summary>Names of the native libraries Layer.Vm binds to.</summary>
    internal static class Libraries
    {
        /// <summary>Debian's libvirt0 package; the ABI is stable across libvirt releases.</summary>
        internal const string Libvirt = "libvirt.so.0";

        internal const string Libc = "libc";
    }
}
