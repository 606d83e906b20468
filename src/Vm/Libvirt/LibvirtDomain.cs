using System.Runtime.InteropServices;

namespace Layer.Vm.Libvirt;

/// <summary>A reference to one libvirt domain. Disposing frees the reference; it does not stop the domain.</summary>
internal sealed class LibvirtDomain : IDisposable
{
    private readonly SafeDomainHandle _handle;

    internal LibvirtDomain(SafeDomainHandle handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    public string Name { get; }

    public bool IsActive
    {
        get
        {
            var result = Interop.Libvirt.virDomainIsActive(_handle);
            if (result < 0)
            {
                var error = LibvirtException.FromLastError($"query domain {Name}");
                // A transient domain that stopped no longer exists at all.
                return error.Code == LibvirtException.VIR_ERR_NO_DOMAIN ? false : throw error;
            }

            return result == 1;
        }
    }

    /// <summary>Stops the domain at once (pulls the plug). Returns false when it was not running any more.</summary>
    public bool Destroy()
    {
        if (Interop.Libvirt.virDomainDestroy(_handle) == 0) return true;
        var error = LibvirtException.FromLastError($"destroy domain {Name}");
        return error.Code is LibvirtException.VIR_ERR_NO_DOMAIN or LibvirtException.VIR_ERR_OPERATION_INVALID
            ? false
            : throw error;
    }

    /// <summary>
    /// An external, disk-only, atomic snapshot without libvirt metadata: QEMU switches every listed disk
    /// to the new overlay named in <paramref name="snapshotXml"/>, and the old image becomes its
    /// read-only backing file.
    /// </summary>
    public void CreateDiskOnlySnapshot(string snapshotXml)
    {
        const uint flags = Interop.Libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
                           | Interop.Libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
                           | Interop.Libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA;
        var snapshot = Interop.Libvirt.virDomainSnapshotCreateXML(_handle, snapshotXml, flags);
        if (snapshot == IntPtr.Zero) throw LibvirtException.FromLastError($"snapshot the disk of domain {Name}");
        Interop.Libvirt.virDomainSnapshotFree(snapshot);
    }

    /// <summary>
    /// Sends one human-monitor (HMP) command to the domain's QEMU and returns its text answer. HMP reports
    /// most command errors as text, not as a failed call, so callers read the answer. libvirt marks the
    /// domain "tainted (custom-monitor)" in its log: harmless for our transient domains.
    /// </summary>
    public unsafe string QemuMonitorCommand(string hmpCommand)
    {
        if (Interop.LibvirtQemu.virDomainQemuMonitorCommand(_handle, hmpCommand, out var result, Interop.LibvirtQemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) != 0)
        {
            throw LibvirtException.FromLastError($"send `{hmpCommand}` to the monitor of domain {Name}");
        }

        try
        {
            return Marshal.PtrToStringUTF8(result) ?? "";
        }
        finally
        {
            NativeMemory.Free((void*)result);
        }
    }

    public void Dispose() => _handle.Dispose();
}
