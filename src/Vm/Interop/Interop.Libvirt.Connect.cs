using System.Runtime.InteropServices;
using Layer.Vm.Libvirt;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>virConnectListAllDomainsFlags: only running domains.</summary>
        internal const uint VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0;

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeConnectHandle virConnectOpen(string? name);

        /// <summary>Returns the remaining reference count, or -1.</summary>
        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virConnectClose(IntPtr conn);

        /// <summary>
        /// Fills <paramref name="domains"/> with a malloc'ed array of virDomainPtr; the caller frees each
        /// domain with virDomainFree and the array with free(3).
        /// </summary>
        [LibraryImport(Libraries.Libvirt)]
        internal static unsafe partial int virConnectListAllDomains(SafeConnectHandle conn, IntPtr** domains, uint flags);
    }
}
