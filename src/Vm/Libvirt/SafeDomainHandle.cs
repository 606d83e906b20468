using System.Runtime.InteropServices;

namespace Layer.Vm.Libvirt;

/// <summary>A virDomainPtr: a reference to a domain object, freeing it does not stop the domain.</summary>
internal sealed class SafeDomainHandle : SafeHandle
{
    public SafeDomainHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal SafeDomainHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Libvirt.virDomainFree(handle) == 0;
}
