using Layer.Cli.Host;
using Layer.Cli.Terminal;

namespace Layer.Cli.Tests;

/// <summary>The quick look that spares a bash process on every run must never say "in place" when the script has work to do.</summary>
public sealed class HostSetupTests
{
    [Fact]
    public void A_package_whose_file_is_missing_is_not_in_place()
    {
        var script = "declare -A need=(\n    [bash]=/bin/sh\n    [no-such-package]=/nonexistent/layer-test-file\n)\n";
        Assert.False(HostSetup.InPlace(script));
    }

    [Fact]
    public void A_script_without_a_package_table_is_not_in_place() => Assert.False(HostSetup.InPlace("echo hi\n"));

    [HostFact(Needs.Root, Needs.Libvirt)]
    public void After_host_setup_the_real_script_is_in_place()
    {
        var script = File.ReadAllText(Path.Combine(Root(), "scripts", "host-setup"));
        Assert.True(HostSetup.InPlace(script), "scripts/host-setup has run (CI runs it first), so nothing should be left to do");
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "host-setup"))) return dir.FullName;
        }

        throw new InvalidOperationException("no scripts/host-setup above " + AppContext.BaseDirectory);
    }
}
