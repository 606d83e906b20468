internal static partial class Interop
{
    /// <summary>Names of the native libraries Layer.Vm binds to.</summary>
    internal static class Libraries
    {
        /// <summary>Debian's libvirt0 package; the ABI is stable across libvirt releases.</summary>
        internal const string Libvirt = "libvirt.so.0";

        /// <summary>Debian's libvirt0 package too: the QEMU-specific calls (monitor commands) live apart from libvirt's stable API.</summary>
        internal const string LibvirtQemu = "libvirt-qemu.so.0";

        internal const string Libc = "libc";
    }
}
