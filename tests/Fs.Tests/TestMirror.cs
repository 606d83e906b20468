using System.Diagnostics;
using Layer.Fs.Mounting;

namespace Layer.Fs.Tests;

/// <summary>
/// A host folder and a mirror of it mounted for one test, under /run/layer/tests (like the engine's
/// mounts). Dispose unmounts and deletes everything, also when the test failed.
/// </summary>
internal sealed class TestMirror : IDisposable
{
    public const uint QemuUid = 64055; // libvirt-qemu on these machines (`id libvirt-qemu`)
    public const uint OtherUid = 65534; // nobody

    private const string Root = "/run/layer/tests";

    /// <summary>
    /// Once per test run, as the engine does for its run folders: a test host killed mid-test (a
    /// timeout, Ctrl-C) leaves its mounts stale (ENOTCONN) and its folders behind; clear both.
    /// </summary>
    private static readonly Lazy<bool> LeftoversReaped = new(() =>
    {
        if (!Directory.Exists(Root)) return true;
        StaleMounts.CleanUnder(Root);
        var live = StaleMounts.ReadMountInfo().Select(m => m.Mountpoint).ToHashSet();
        foreach (var folder in Directory.GetDirectories(Root))
        {
            if (!live.Any(m => m.StartsWith(folder + "/", StringComparison.Ordinal))) Directory.Delete(folder, recursive: true);
        }

        return true;
    });

    private TestMirror(string baseDirectory)
    {
        Base = baseDirectory;
        // The host folder sits one level deeper than the mountpoint, so that a client climbing out of
        // the mount with ".." can never land on the host folder's siblings by coincidence.
        Host = Path.Combine(baseDirectory, "src", "host");
        Directory.CreateDirectory(Host);
    }

    public string Base { get; }

    public string Host { get; }

    public MirrorMount? Mirror { get; private set; }

    public string Mount => Mirror!.Mountpoint;

    /// <param name="closedToOthers">Make the folder holding the mountpoint 0700 (root only): the mirror then
    /// lets the kernel cache within epochs (MountReach). Otherwise it is open to every uid, so that the
    /// mirror's own access decision is what the uid tests see, and the kernel caches nothing.</param>
    /// <param name="serveReads">Serve every READ in the mirror even as root, where the kernel would otherwise read the
    /// host files itself (FUSE passthrough): the path an ordinary user's mount takes.</param>
    public static TestMirror Create(Action<string>? populate = null, uint? allowedUid = QemuUid, bool mount = true, int cacheMilliseconds = 0,
        bool closedToOthers = false, bool serveReads = false)
    {
        _ = LeftoversReaped.Value;
        var directory = $"{Root}/{Guid.NewGuid():N}";
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, closedToOthers ? (UnixFileMode)0x1C0 : (UnixFileMode)0x1ED);
        var mirror = new TestMirror(directory);
        try
        {
            populate?.Invoke(mirror.Host);
            if (mount) mirror.MountNow(allowedUid, cacheMilliseconds: cacheMilliseconds, serveReads: serveReads);
            return mirror;
        }
        catch
        {
            mirror.Dispose();
            throw;
        }
    }

    public void MountNow(uint? allowedUid = QemuUid, MountMethod method = MountMethod.Auto, int cacheMilliseconds = 0, bool serveReads = false)
    {
        Mirror = MirrorMount.Mount(new MirrorOptions
        {
            HostRoot = Host,
            Mountpoint = Path.Combine(Base, "mnt"),
            AllowedUid = allowedUid,
            Method = method,
            KernelCacheTimeout = TimeSpan.FromMilliseconds(cacheMilliseconds),
            ServeReads = serveReads,
        });
    }

    public string InMount(string relative) => Path.Combine(Mount, relative);

    /// <summary>Runs a program (optionally as another uid via setpriv) and returns exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string program, IEnumerable<string> arguments, uint? uid = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(uid is null ? program : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        if (uid is not null)
        {
            foreach (var a in new[] { $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--", program }) start.ArgumentList.Add(a);
        }

        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int ExitCode, string Stdout, string Stderr) Sh(string script, uint? uid = null, string? workingDirectory = null) =>
        Run("/bin/sh", new[] { "-c", script }, uid, workingDirectory);

    public void Dispose()
    {
        try
        {
            Mirror?.Dispose();
        }
        finally
        {
            // Never delete through a mount that failed to go away.
            var mnt = Path.Combine(Base, "mnt");
            if (!StaleMounts.ReadMountInfo().Any(m => m.Mountpoint == mnt))
            {
                try
                {
                    Directory.Delete(Base, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
