using System.Runtime.InteropServices;
using Layer.Vm.Libvirt;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>virDomainCreateFlags: libvirt destroys the domain when the creating connection closes,
        /// so a crashed or killed `layer` never leaves a machine running.</summary>
        internal const uint VIR_DOMAIN_START_AUTODESTROY = 1 << 1;

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeDomainHandle virDomainCreateXML(SafeConnectHandle conn, string xmlDesc, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeDomainHandle virDomainLookupByName(SafeConnectHandle conn, string name);

        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virDomainDestroy(SafeDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virDomainFree(IntPtr domain);

        /// <summary>The returned string belongs to the domain object; do not free it.</summary>
        [LibraryImport(Libraries.Libvirt)]
        internal static partial IntPtr virDomainGetName(SafeDomainHandle domain);

        /// <summary>1 running, 0 not, -1 error.</summary>
        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virDomainIsActive(SafeDomainHandle domain);
    }
}
