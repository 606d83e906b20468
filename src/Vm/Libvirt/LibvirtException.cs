namespace Layer.Vm.Libvirt;

/// <summary>A libvirt call failed; the message is libvirt's own (virGetLastError) with the call that failed.</summary>
public sealed class LibvirtException : Exception
{
    public LibvirtException(string operation, int code, string libvirtMessage)
        : base($"{operation}: {libvirtMessage}")
    {
        Operation = operation;
        Code = code;
        LibvirtMessage = libvirtMessage;
    }

    /// <summary>What we asked libvirt to do, e.g. "create domain layer-ab12-1".</summary>
    public string Operation { get; }

    /// <summary>virErrorNumber (e.g. 42 = VIR_ERR_NO_DOMAIN).</summary>
    public int Code { get; }

    public string LibvirtMessage { get; }

    /// <summary>virErrorNumber VIR_ERR_NO_DOMAIN.</summary>
    internal const int VIR_ERR_NO_DOMAIN = 42;

    /// <summary>virErrorNumber VIR_ERR_OPERATION_INVALID (e.g. destroying a domain that is not running).</summary>
    internal const int VIR_ERR_OPERATION_INVALID = 55;

    /// <summary>Builds the exception from the calling thread's last libvirt error.</summary>
    internal static unsafe LibvirtException FromLastError(string operation)
    {
        var error = Interop.Libvirt.virGetLastError();
        if (error is null)
        {
            return new LibvirtException(operation, 0, "failed without an error message");
        }

        var message = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(error->message) ?? "unknown error";
        var code = error->code;
        Interop.Libvirt.virResetLastError();
        return new LibvirtException(operation, code, message);
    }
}
