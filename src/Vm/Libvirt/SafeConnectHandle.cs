using System.Runtime.InteropServices;

namespace Layer.Vm.Libvirt;

/// <summary>A virConnectPtr; closing it also autodestroys the domains this connection started.</summary>
internal sealed class SafeConnectHandle : SafeHandle
{
    public SafeConnectHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Libvirt.virConnectClose(handle) >= 0;
}
