using System.Diagnostics;
using Layer.Vm.Images;

namespace Layer.Vm.Tests;

/// <summary>
/// An image with its own C library (Ubuntu 18.04: glibc 2.27) cannot run an agent linked against this
/// host's newer one: PID 1 failed to start and the kernel panicked. The agent brings its own loader and
/// libraries under /layer/lib and is pointed at them.
/// </summary>
public sealed class AgentLibrariesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("layer-agent-libs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [HostFact(Needs.Root)]
    public void A_private_agent_runs_in_a_root_that_has_no_libraries_but_its_own()
    {
        // Any dynamically linked program shows the layout works: `true` stands in for the agent.
        Staging.AddAgent(_root, "/bin/true", AgentLibraries.Private);
        var lib = Path.Combine(_root, "layer", "lib");
        Assert.Contains("libc.so.6", Directory.EnumerateFiles(lib).Select(Path.GetFileName));
        Assert.Contains(Directory.EnumerateFiles(lib).Select(Path.GetFileName), n => n!.StartsWith("ld-linux", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_root, "lib")), "the image's own library folders are left alone");

        // In a root holding nothing else (no /lib, no /lib64), the copy starts with its own loader.
        using var chroot = Process.Start(new ProcessStartInfo("chroot", ["--", _root, "/" + Staging.AgentPath]) { RedirectStandardError = true })!;
        var error = chroot.StandardError.ReadToEnd();
        chroot.WaitForExit();
        Assert.True(chroot.ExitCode == 0, error);
    }
}
