using Layer.Vm.Libvirt;

namespace Layer.Vm.Tests;

/// <summary>
/// The P/Invoke layer against libvirt's built-in test driver (test:///default), which runs inside
/// libvirt.so.0 itself: no daemon, no QEMU, but the same entry points and error reporting.
/// </summary>
public sealed class LibvirtConnectionTests
{
    private const string TestDriver = "test:///default";

    private static string TestDomainXml(string name) =>
        $"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";

    [Fact]
    public void Lists_the_test_drivers_running_domain()
    {
        using var connection = LibvirtConnection.Open(TestDriver);
        Assert.Contains("test", connection.ListDomainNames(activeOnly: true));
    }

    [Fact]
    public void Creates_looks_up_and_destroys_a_transient_domain()
    {
        using var connection = LibvirtConnection.Open(TestDriver);
        using var domain = connection.CreateTransient(TestDomainXml("layer-t-1"), "layer-t-1", autodestroy: false);
        Assert.True(domain.IsActive);
        using (var found = connection.Lookup("layer-t-1"))
        {
            Assert.NotNull(found);
            Assert.True(found.IsActive);
        }

        Assert.Contains("layer-t-1", connection.ListDomainNames(activeOnly: true));
        Assert.True(domain.Destroy());
        Assert.False(domain.IsActive);
        Assert.False(domain.Destroy());
        Assert.Null(connection.Lookup("layer-t-1"));
    }

    [Fact]
    public void A_missing_domain_is_null_not_an_error()
    {
        using var connection = LibvirtConnection.Open(TestDriver);
        Assert.Null(connection.Lookup("layer-no-such-domain"));
    }

    [Fact]
    public void Rejected_xml_raises_libvirts_own_message()
    {
        using var connection = LibvirtConnection.Open(TestDriver);
        var error = Assert.Throws<LibvirtException>(() => connection.CreateTransient("<domain type='test'><name>x</name>", "x", autodestroy: false));
        Assert.StartsWith("create domain x: ", error.Message);
        Assert.NotEqual(0, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.LibvirtMessage));
    }

    [Fact]
    public void An_unknown_uri_fails_with_the_uri_and_a_hint()
    {
        var error = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("nosuchdriver:///nowhere"));
        Assert.Contains("nosuchdriver:///nowhere", error.Message);
        Assert.Contains("libvirtd", error.Message);
    }

    [Fact]
    public void The_uri_comes_from_the_command_line_then_the_environment_then_the_default()
    {
        var saved = Environment.GetEnvironmentVariable(LibvirtConnection.UriVariable);
        try
        {
            Environment.SetEnvironmentVariable(LibvirtConnection.UriVariable, null);
            Assert.Equal("qemu:///system", LibvirtConnection.ResolveUri(null));
            Environment.SetEnvironmentVariable(LibvirtConnection.UriVariable, "qemu:///session");
            Assert.Equal("qemu:///session", LibvirtConnection.ResolveUri(null));
            Assert.Equal("test:///default", LibvirtConnection.ResolveUri("test:///default"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(LibvirtConnection.UriVariable, saved);
        }
    }
}
