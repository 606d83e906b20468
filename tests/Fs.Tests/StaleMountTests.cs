using Layer.Fs.Mounting;
using Layer.Fs.Native;

namespace Layer.Fs.Tests;

public sealed class StaleMountTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_mount_left_by_a_killed_server_is_cleaned_by_the_next_start()
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "fresh"), mount: false);
        var mountpoint = Path.Combine(m.Base, "mnt");
        Directory.CreateDirectory(mountpoint);
        try
        {
            // What a SIGKILLed server leaves: the kernel mount stays, its /dev/fuse fd is closed.
            KernelMount.Mount(mountpoint).Dispose();
            Assert.True(StaleMounts.IsStale(mountpoint));
            var error = Assert.Throws<IOException>(() => Directory.GetFiles(mountpoint));
            Assert.Contains("not connected", error.Message);

            m.MountNow();
            Assert.False(StaleMounts.IsStale(mountpoint));
            Assert.Equal("fresh", File.ReadAllText(m.InMount("f")));
        }
        finally
        {
            if (StaleMounts.IsStale(mountpoint)) Interop.Libc.Umount2(mountpoint, Interop.Libc.MNT_DETACH);
        }
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_mirror_process_killed_with_sigkill_leaves_a_stale_mount_that_the_next_start_cleans()
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "again"), mount: false);
        var mountpoint = Path.Combine(m.Base, "mnt");
        var helper = Path.Combine(AppContext.BaseDirectory, "Layer.Fs.MountAsUser.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { helper, m.Host, mountpoint, "-", "sleep", "60" }) start.ArgumentList.Add(a);
        using var server = System.Diagnostics.Process.Start(start)!;
        try
        {
            Assert.True(SpinWait.SpinUntil(() => StaleMounts.ReadMountInfo().Any(x => x.Mountpoint == mountpoint), TimeSpan.FromSeconds(30)), "the helper never mounted");
            server.Kill(entireProcessTree: true); // SIGKILL: no handler runs, the mount stays behind
            server.WaitForExit();
            Assert.True(StaleMounts.IsStale(mountpoint));

            m.MountNow();
            Assert.Equal("again", File.ReadAllText(m.InMount("f")));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            if (StaleMounts.IsStale(mountpoint)) Interop.Libc.Umount2(mountpoint, Interop.Libc.MNT_DETACH);
        }
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData("TERM")]
    [InlineData("INT")]
    [InlineData("HUP")]
    public void A_mirror_process_stopped_by_a_signal_unmounts(string signal)
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "x"), mount: false);
        var mountpoint = Path.Combine(m.Base, "mnt");
        var helper = Path.Combine(AppContext.BaseDirectory, "Layer.Fs.MountAsUser.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { helper, m.Host, mountpoint, "-", "sleep", "60" }) start.ArgumentList.Add(a);
        using var server = System.Diagnostics.Process.Start(start)!;
        var children = Array.Empty<string>();
        try
        {
            // Ready once the command runs inside the mirror (Mount has returned by then).
            string[] Children() => File.ReadAllText($"/proc/{server.Id}/task/{server.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(SpinWait.SpinUntil(() => Children().Length > 0, TimeSpan.FromSeconds(30)), "the helper never started its command");
            children = Children();
            Assert.Equal(0, TestMirror.Run("kill", new[] { $"-{signal}", server.Id.ToString() }).ExitCode);
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)), $"SIG{signal} did not stop the mirror process");
            Assert.DoesNotContain(StaleMounts.ReadMountInfo(), x => x.Mountpoint == mountpoint);
            Assert.False(StaleMounts.IsStale(mountpoint));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            foreach (var child in children) TestMirror.Run("kill", new[] { "-KILL", child });
            if (StaleMounts.IsStale(mountpoint)) Interop.Libc.Umount2(mountpoint, Interop.Libc.MNT_DETACH);
        }
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Dispose_unmounts()
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "x"));
        Assert.Contains(StaleMounts.ReadMountInfo(), x => x.Mountpoint == m.Mount && x.FsType == KernelMount.FsType);
        m.Mirror!.Dispose();
        Assert.DoesNotContain(StaleMounts.ReadMountInfo(), x => x.Mountpoint == m.Mount);
        Assert.False(File.Exists(m.InMount("f")));
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Dispose_returns_and_unmounts_even_while_a_file_is_open_inside()
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "x"));
        using var open = File.OpenRead(m.InMount("f"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        m.Mirror!.Dispose();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"Dispose took {watch.Elapsed}");
        Assert.DoesNotContain(StaleMounts.ReadMountInfo(), x => x.Mountpoint == m.Mount);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Stale_mounts_below_a_folder_are_found_and_cleaned()
    {
        using var m = TestMirror.Create(mount: false);
        var a = Directory.CreateDirectory(Path.Combine(m.Base, "x y", "a")).FullName;
        try
        {
            KernelMount.Mount(a).Dispose();
            Assert.Equal(new[] { a }, StaleMounts.CleanUnder(m.Base));
            Assert.False(StaleMounts.IsStale(a));
        }
        finally
        {
            if (StaleMounts.IsStale(a)) Interop.Libc.Umount2(a, Interop.Libc.MNT_DETACH);
        }
    }
}
