using Layer.Fs.Native;
using Layer.Fs.Tracking;

namespace Layer.Fs.Tests;

/// <summary>
/// The default mount, when no other user can reach its mountpoint, lets the kernel cache entries and
/// attributes within an epoch and drops them (FUSE_NOTIFY_INC_EPOCH, INVAL_INODE) when the next epoch begins. These prove both halves on a real
/// mount: the cache is really used, and no cached entry or attribute hides an access from a later epoch,
/// whichever way the access reaches the inode (path walk, an fd kept open, the working directory).
/// </summary>
public sealed class KernelCacheTests
{
    private static TestMirror Fixture() => TestMirror.Create(host =>
    {
        File.WriteAllText(Path.Combine(host, "a"), "alpha\n");
        Directory.CreateDirectory(Path.Combine(host, "d"));
        File.WriteAllText(Path.Combine(host, "d", "x"), "x");
    }, closedToOthers: true);

    private static string Sh(TestMirror m, string script, string? workingDirectory = null)
    {
        var (code, stdout, stderr) = TestMirror.Sh(script, workingDirectory: workingDirectory ?? m.Mount);
        Assert.True(code == 0, $"`{script}` failed: {stderr}");
        return stdout.Trim();
    }

    private static FileMetadata? MetadataOf(ReadSet set, string path) =>
        set.Observations.SingleOrDefault(o => o.Path == path && o.Kind is ObservationKind.Metadata or ObservationKind.Content)?.Metadata;

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Attributes_are_cached_within_an_epoch_and_seen_afresh_in_the_next()
    {
        using var m = Fixture();
        var tracker = m.Mirror!.Tracker;
        tracker.BeginEpoch();
        Assert.Equal("644", Sh(m, "stat -c %a a"));
        Assert.Equal("644", Sh(m, "stat -c %a a"));                       // now from the kernel's cache
        File.SetUnixFileMode(Path.Combine(m.Host, "a"), (UnixFileMode)0x180); // 0600 on the host
        var cached = Sh(m, "stat -c %a a");
        var first = tracker.EndEpoch();
        // The cache is really in use: the change made during the epoch is not seen within it...
        Assert.Equal("644", cached);
        Assert.Equal(0x1A4, MetadataOf(first, "a")!.Permissions);

        // ...and the next epoch sees (and records) the host as it is.
        tracker.BeginEpoch();
        var fresh = Sh(m, "stat -c %a a");
        var second = tracker.EndEpoch();
        Assert.Equal("600", fresh);
        Assert.Equal(0x180, MetadataOf(second, "a")!.Permissions);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void What_was_looked_up_between_epochs_is_recorded_in_the_next()
    {
        using var m = Fixture();
        // Outside any epoch: entries and attributes get cached, nothing is recorded.
        Sh(m, "stat a d/x >/dev/null; cat d/x >/dev/null; test ! -e nope");
        m.Mirror!.Tracker.BeginEpoch();
        Sh(m, "stat a d/x >/dev/null; test ! -e nope");
        var set = m.Mirror.Tracker.EndEpoch();
        var seen = set.Observations.Select(o => (o.Kind, o.Path)).ToList();
        Assert.Contains((ObservationKind.Metadata, "a"), seen);
        Assert.Contains((ObservationKind.Metadata, "d"), seen);
        Assert.Contains((ObservationKind.Metadata, "d/x"), seen);
        Assert.Contains((ObservationKind.Absent, "nope"), seen);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Fstat_on_a_file_kept_open_across_epochs_is_recorded_in_each()
    {
        using var m = Fixture();
        using var file = File.OpenHandle(m.InMount("a"));
        for (var epoch = 0; epoch < 3; epoch++)
        {
            m.Mirror!.Tracker.BeginEpoch();
            Assert.Equal(0, Interop.Libc.FStat(file, out var st));
            Assert.Equal(0, Interop.Libc.FStat(file, out _));
            var set = m.Mirror.Tracker.EndEpoch();
            Assert.Equal(6ul, st.stx_size);
            Assert.Equal(new FileMetadata(EntryType.File, 0x1A4, 6, null), MetadataOf(set, "a"));
        }
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Stat_of_a_working_directory_entered_before_the_epochs_is_recorded_in_each()
    {
        using var m = Fixture();
        // One shell for all epochs, already inside d: "." is never revalidated by a path walk, so only
        // the attribute invalidation at each epoch's start makes its stat reach the mirror.
        var start = new System.Diagnostics.ProcessStartInfo("sh") { WorkingDirectory = m.InMount("d"), RedirectStandardInput = true, RedirectStandardOutput = true };
        using var shell = System.Diagnostics.Process.Start(start)!;
        try
        {
            for (var epoch = 0; epoch < 3; epoch++)
            {
                m.Mirror!.Tracker.BeginEpoch();
                shell.StandardInput.WriteLine("stat -c %F . ; stat -c %F .");
                shell.StandardInput.Flush();
                Assert.Equal("directory", shell.StandardOutput.ReadLine());
                Assert.Equal("directory", shell.StandardOutput.ReadLine());
                var set = m.Mirror.Tracker.EndEpoch();
                Assert.Equal(EntryType.Directory, MetadataOf(set, "d")?.Type);
            }
        }
        finally
        {
            shell.StandardInput.Close();
            shell.WaitForExit();
        }
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_mountpoint_every_user_can_reach_gets_no_kernel_cache()
    {
        using var open = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "a"), "alpha\n"));
        open.Mirror!.Tracker.BeginEpoch();
        Sh(open, "stat a >/dev/null");
        File.SetUnixFileMode(Path.Combine(open.Host, "a"), (UnixFileMode)0x180);
        var seen = Sh(open, "stat -c %a a");
        open.Mirror.Tracker.EndEpoch();
        Assert.Equal("600", seen); // asked the mirror again: nothing was cached
    }

    [Fact]
    public void A_folder_above_the_mountpoint_closed_to_others_is_found()
    {
        var baseDirectory = $"/tmp/layer-reach-{Guid.NewGuid():N}";
        var mountpoint = Path.Combine(baseDirectory, "a", "mnt");
        Directory.CreateDirectory(mountpoint);
        try
        {
            File.SetUnixFileMode(baseDirectory, (UnixFileMode)0x1ED);
            File.SetUnixFileMode(Path.Combine(baseDirectory, "a"), (UnixFileMode)0x1ED);
            Assert.False(Mounting.MountReach.ClosedToOthers(mountpoint, out var openFolder));
            Assert.Equal(Path.Combine(baseDirectory, "a"), openFolder);
            File.SetUnixFileMode(baseDirectory, (UnixFileMode)0x1E8); // 0750
            Assert.True(Mounting.MountReach.ClosedToOthers(mountpoint, out _));
        }
        finally
        {
            Directory.Delete(baseDirectory, recursive: true);
        }
    }
}
