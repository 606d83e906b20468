using System.Runtime.InteropServices;

namespace Layer.Vm.Libvirt;

/// <summary>
/// One connection to libvirtd. Domains created through it are transient and autodestroyed when the
/// connection closes, which is how a killed `layer` process still stops its machines.
/// </summary>
internal sealed class LibvirtConnection : IDisposable
{
    /// <summary>What we connect to when neither --connect nor LAYER_LIBVIRT_URI says otherwise.</summary>
    public const string DefaultUri = "qemu:///system";

    public const string UriVariable = "LAYER_LIBVIRT_URI";

    private readonly SafeConnectHandle _handle;

    static unsafe LibvirtConnection()
    {
        Interop.Libvirt.virSetErrorFunc(IntPtr.Zero, &Interop.Libvirt.IgnoreError);
    }

    private LibvirtConnection(SafeConnectHandle handle, string uri)
    {
        _handle = handle;
        Uri = uri;
    }

    public string Uri { get; }

    /// <summary>--connect wins over LAYER_LIBVIRT_URI, which wins over qemu:///system.</summary>
    public static string ResolveUri(string? fromCommandLine)
    {
        if (!string.IsNullOrWhiteSpace(fromCommandLine)) return fromCommandLine;
        var fromEnvironment = Environment.GetEnvironmentVariable(UriVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultUri : fromEnvironment;
    }

    public static LibvirtConnection Open(string uri)
    {
        SafeConnectHandle handle;
        try
        {
            handle = Interop.Libvirt.virConnectOpen(uri);
        }
        catch (DllNotFoundException)
        {
            throw new LibvirtException($"connect to {uri}", 0,
                "libvirt.so.0 is not installed (run scripts/host-setup, or apt-get install libvirt0)");
        }

        if (handle.IsInvalid)
        {
            var error = LibvirtException.FromLastError($"connect to {uri}");
            handle.Dispose();
            throw new LibvirtException(error.Operation, error.Code,
                error.LibvirtMessage + " (is libvirtd running? scripts/host-setup starts it)");
        }

        return new LibvirtConnection(handle, uri);
    }

    /// <summary>
    /// Starts a transient domain; with <paramref name="autodestroy"/> (always, for machines) libvirt destroys
    /// it when this connection closes. libvirt's test driver does not support that flag.
    /// </summary>
    public LibvirtDomain CreateTransient(string xml, string name, bool autodestroy = true)
    {
        var domain = Interop.Libvirt.virDomainCreateXML(_handle, xml, autodestroy ? Interop.Libvirt.VIR_DOMAIN_START_AUTODESTROY : 0);
        return domain.IsInvalid ? throw Fail(domain, $"create domain {name}") : new LibvirtDomain(domain, name);
    }

    /// <summary>The domain of that name, or null when libvirt knows none.</summary>
    public LibvirtDomain? Lookup(string name)
    {
        var domain = Interop.Libvirt.virDomainLookupByName(_handle, name);
        if (!domain.IsInvalid) return new LibvirtDomain(domain, name);
        var error = Fail(domain, $"look up domain {name}");
        return error.Code == LibvirtException.VIR_ERR_NO_DOMAIN ? null : throw error;
    }

    /// <summary>Names of the domains libvirt knows (running only when <paramref name="activeOnly"/>).</summary>
    public unsafe IReadOnlyList<string> ListDomainNames(bool activeOnly)
    {
        IntPtr* domains = null;
        var count = Interop.Libvirt.virConnectListAllDomains(_handle, &domains,
            activeOnly ? Interop.Libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE : 0);
        if (count < 0) throw LibvirtException.FromLastError($"list domains on {Uri}");
        var names = new List<string>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                using var domain = new SafeDomainHandle(domains[i]);
                names.Add(Marshal.PtrToStringUTF8(Interop.Libvirt.virDomainGetName(domain)) ?? "");
            }
        }
        finally
        {
            NativeMemory.Free(domains);
        }

        return names;
    }

    private static LibvirtException Fail(SafeHandle handle, string operation)
    {
        var error = LibvirtException.FromLastError(operation);
        handle.Dispose();
        return error;
    }

    public void Dispose() => _handle.Dispose();
}
