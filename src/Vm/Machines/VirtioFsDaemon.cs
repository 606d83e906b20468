using System.Diagnostics;
using Layer.Vm.Host;

namespace Layer.Vm.Machines;

/// <summary>
/// QEMU's virtiofsd serving one shared folder to one machine over a vhost-user socket. We start it rather
/// than libvirt because libvirt 9.0 offers only cache=none|always, and the cache mode that makes tracked
/// reads fast is auto with a short timeout (see <see cref="CacheSeconds"/> for why that is still exact).
/// <list type="bullet">
/// <item>It runs as root in its own namespaces (its default sandbox) and serves only the folder it is given:
/// our read-only FUSE mirror, which refuses every write and serves nothing outside the repository, and
/// which answers root (this daemon) as it answered QEMU's user over 9p.</item>
/// <item>no_readdirplus: a listing must not look up every entry, or the mirror would record each entry's
/// metadata as seen by every step that merely lists a folder.</item>
/// <item>It ends when QEMU closes the socket (the domain is destroyed); Dispose kills it in any case, and
/// the reaper kills the daemons of a killed `layer` from their pid files.</item>
/// </list>
/// </summary>
internal sealed class VirtioFsDaemon : IDisposable
{
    /// <summary>QEMU 7.2's C virtiofsd, shipped with qemu-system-common.</summary>
    public const string Binary = "/usr/lib/qemu/virtiofsd";

    /// <summary>
    /// The guest caches names and attributes this long (FUSE entry and attribute timeouts). A step may then
    /// not see the mirror answer a lookup that an earlier step (or a background process between steps) made
    /// less than this long ago; so every step starts only after waiting this long in the guest, with its read
    /// epoch already open (<see cref="Machine.ShareCacheSeconds"/>). Within a step, a repeated lookup that the
    /// cache answers was recorded the first time.
    /// </summary>
    public const double CacheSeconds = 0.5;

    private readonly Process _process;
    private readonly string _pidFile;
    private readonly StreamWriter _log;

    private VirtioFsDaemon(Process process, string socketPath, string pidFile, StreamWriter log)
    {
        _process = process;
        SocketPath = socketPath;
        _pidFile = pidFile;
        _log = log;
    }

    public string SocketPath { get; }

    /// <summary>Whether this host has virtiofsd (else shares fall back to 9p).</summary>
    public static bool Available => File.Exists(Binary);

    /// <summary>Starts a daemon for <paramref name="folder"/> and waits until its socket is there.</summary>
    /// <param name="logPath">Where its own messages go (kept in the run folder, deleted with it).</param>
    public static VirtioFsDaemon Start(string folder, string socketPath, string logPath, string pidFile)
    {
        File.Delete(socketPath);
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-f", "--socket-path=" + socketPath, "-o", "source=" + folder,
                     "-o", "cache=auto", "-o", "timeout=" + CacheSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-o", "no_readdirplus", "-o", "no_xattr", "-o", "no_posix_lock", "-o", "no_flock",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (QemuAccount.Find() is { } qemu && GroupName(qemu.Gid) is { } group) start.ArgumentList.Add("--socket-group=" + group);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HostCommandException(Binary, -1, $"could not start: {e.Message} (it comes with qemu-system-common)");
        }

        process.StandardInput.Close();
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        _ = Task.Run(() => Copy(process.StandardError, log));
        _ = Task.Run(() => Copy(process.StandardOutput, log));
        File.WriteAllText(pidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var daemon = new VirtioFsDaemon(process, socketPath, pidFile, log);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(socketPath))
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                daemon.Dispose();
                var said = File.Exists(logPath) ? File.ReadAllText(logPath).Trim() : "";
                throw new HostCommandException($"{Binary} --socket-path={socketPath} -o source={folder}", process.HasExited ? process.ExitCode : -1,
                    said.Length > 0 ? said : "it did not open its socket within 30 s");
            }

            Thread.Sleep(20);
        }

        return daemon;
    }

    /// <summary>Kills the daemons a killed run left (their pid files in its folder), checking each pid is still a virtiofsd.</summary>
    public static void KillLeftovers(string runFolder)
    {
        if (!Directory.Exists(runFolder)) return;
        foreach (var pidFile in Directory.GetFiles(runFolder, "*-virtiofsd-*.pid"))
        {
            if (!int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) continue;
            try
            {
                var command = File.ReadAllText($"/proc/{pid}/cmdline");
                if (command.StartsWith(Binary + "\0", StringComparison.Ordinal) && command.Contains(runFolder, StringComparison.Ordinal))
                {
                    using var leftover = Process.GetProcessById(pid);
                    leftover.Kill();
                }
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        _process.Dispose();
        lock (_log) _log.Dispose();
        File.Delete(SocketPath);
        File.Delete(_pidFile);
    }

    private static async Task Copy(StreamReader from, StreamWriter to)
    {
        try
        {
            string? line;
            while ((line = await from.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                lock (to) to.WriteLine(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The log went away with the run folder.
        }
    }

    private static string? GroupName(uint gid)
    {
        try
        {
            return File.ReadLines("/etc/group").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 2 && f[2] == gid.ToString(System.Globalization.CultureInfo.InvariantCulture))?[0];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
