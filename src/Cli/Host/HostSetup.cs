using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Layer.Cli.Host;

/// <summary>
/// Makes sure the host can run VMs before a build: as root, runs the embedded copy of
/// scripts/host-setup (idempotent: installs missing Debian packages, starts virtlogd and libvirtd, and
/// says what it does) unless a quick look shows all of it in place already; as another user, only
/// checks and says what to run.
/// </summary>
internal static partial class HostSetup
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

        var script = Script();
        if (InPlace(script)) return;
        var path = Path.Combine(Path.GetTempPath(), $"layer-host-setup-{Environment.ProcessId}.sh");
        File.WriteAllText(path, script);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("bash", [path]) { UseShellExecute = false })
                                ?? throw new HostSetupException("could not start bash to prepare the host");
            process.WaitForExit();
            if (process.ExitCode != 0) throw new HostSetupException($"preparing the host failed (exit code {process.ExitCode}; its messages are above)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Script()
    {
        using var resource = typeof(HostSetup).Assembly.GetManifestResourceStream("host-setup")
                             ?? throw new InvalidOperationException("the host-setup script is not embedded in this build");
        using var reader = new StreamReader(resource);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// What the script would find without doing anything: every file of its package table, the folders with
    /// their modes, both daemons alive, libvirt's socket and /dev/fuse. A few stats instead of a bash process
    /// on every `layer run`; the package table is read from the script itself, so the two cannot drift.
    /// </summary>
    internal static bool InPlace(string script)
    {
        var provided = PackageFile().Matches(script).Select(m => m.Groups["path"].Value).ToList();
        if (provided.Count == 0 || !provided.All(Path.Exists)) return false;
        return HasMode("/var/lib/layer", (UnixFileMode)0b111_101_101) && HasMode("/run/layer", (UnixFileMode)0b111_001_001)
               && Alive("/run/virtlogd.pid") && Alive("/run/libvirtd.pid")
               && File.Exists("/run/libvirt/libvirt-sock") && File.Exists("/dev/fuse")
               && Directory.Exists("/var/log/libvirt");
    }

    private static bool HasMode(string folder, UnixFileMode mode) =>
        Directory.Exists(folder) && !OperatingSystem.IsWindows() && File.GetUnixFileMode(folder) == mode;

    private static bool Alive(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && pid > 0 && Directory.Exists($"/proc/{pid}");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A line of the script's `need` table: <c>[package]=/a/file/it/provides</c>.</summary>
    [GeneratedRegex(@"^\s*\[[a-z0-9.+-]+\]=(?<path>/\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PackageFile();
}

internal sealed class HostSetupException(string message) : Exception(message);
