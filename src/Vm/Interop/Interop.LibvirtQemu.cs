using System.Runtime.InteropServices;
using Layer.Vm.Libvirt;

internal static partial class Interop
{
    internal static partial class LibvirtQemu
    {
        /// <summary>virDomainQemuMonitorCommandFlags: the command is human monitor (HMP) text, which libvirt wraps in QMP's human-monitor-command.</summary>
        internal const uint VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = 1 << 0;

        /// <summary>0 on success with <paramref name="result"/> a malloc'ed string the caller frees; -1 on error (virGetLastError).</summary>
        [LibraryImport(Libraries.LibvirtQemu, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int virDomainQemuMonitorCommand(SafeDomainHandle domain, string cmd, out IntPtr result, uint flags);
    }
}
