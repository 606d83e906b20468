using System.Diagnostics;

namespace Layer.Cli.Terminal;

/// <summary>
/// Makes sure the host can run VMs before a build: as root, runs the embedded copy of
/// scripts/host-setup (idempotent: installs missing Debian packages, starts virtlogd and libvirtd, and
/// says what it does); as another user, only checks and says what to run.
/// </summary>
internal static class HostSetup
{
    public static void Ensure()
    {
        if (Environment.UserName != "root")
        {
            if (!File.Exists("/run/libvirt/libvirt-sock"))
            {
                throw new HostSetupException("libvirtd is not running; as root run scripts/host-setup from the Layer checkout (it installs QEMU, libvirt and FUSE, and starts the daemons)");
            }

            return;
        }

        using var resource = typeof(HostSetup).Assembly.GetManifestResourceStream("host-setup")
                             ?? throw new InvalidOperationException("the host-setup script is not embedded in this build");
        var script = Path.Combine(Path.GetTempPath(), $"layer-host-setup-{Environment.ProcessId}.sh");
        using (var file = File.Create(script)) resource.CopyTo(file);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("bash", [script]) { UseShellExecute = false })
                                ?? throw new HostSetupException("could not start bash to prepare the host");
            process.WaitForExit();
            if (process.ExitCode != 0) throw new HostSetupException($"preparing the host failed (exit code {process.ExitCode}; its messages are above)");
        }
        finally
        {
            File.Delete(script);
        }
    }
}

internal sealed class HostSetupException(string message) : Exception(message);
