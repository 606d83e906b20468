using System.Runtime.InteropServices;
using Layer.Vm.Libvirt;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        // virDomainSnapshotCreateFlags (libvirt-domain-snapshot.h).
        internal const uint VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 1 << 2;
        internal const uint VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4;
        internal const uint VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 1 << 7;

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr virDomainSnapshotCreateXML(SafeDomainHandle domain, string xmlDesc, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virDomainSnapshotFree(IntPtr snapshot);
    }
}
