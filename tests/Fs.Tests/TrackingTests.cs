using Layer.Fs.Tracking;

namespace Layer.Fs.Tests;

/// <summary>What each kind of access records, through a real mount and real tools.</summary>
public sealed class TrackingTests
{
    // Every test that runs with 0 (no kernel cache at all: the mountpoint is reachable by every user)
    // also runs with a kernel cache inside epochs, either expiring (300 ms, BeginEpoch waits it out) or,
    // with -1, the default for a mountpoint closed to others (dropped at BeginEpoch by notifications):
    // either way no access may be hidden across epochs.
    private static TestMirror Fixture(int cacheMilliseconds = 0) => TestMirror.Create(host =>
    {
        File.WriteAllText(Path.Combine(host, "a"), "alpha\n");
        File.WriteAllText(Path.Combine(host, "b"), "bravo\n");
        Directory.CreateDirectory(Path.Combine(host, "d"));
        File.WriteAllText(Path.Combine(host, "d", "x"), "x");
        File.WriteAllText(Path.Combine(host, "d", "y"), "y");
    }, cacheMilliseconds: Math.Max(0, cacheMilliseconds), closedToOthers: cacheMilliseconds < 0);

    private static ReadSet Trace(TestMirror m, string script)
    {
        m.Mirror!.Tracker.BeginEpoch();
        var (code, _, stderr) = TestMirror.Sh(script, workingDirectory: m.Mount);
        var set = m.Mirror.Tracker.EndEpoch();
        Assert.True(code == 0, $"`{script}` failed: {stderr}");
        return set;
    }

    // The working directory is the mount root, so a walk may stat the root itself: leave "." out.
    private static List<(ObservationKind, string)> Seen(ReadSet set) =>
        set.Observations.Where(o => o.Path != ".").Select(o => (o.Kind, o.Path)).ToList();

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Cat_records_the_content_of_that_file_only(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        var set = Trace(m, "cat a >/dev/null");
        Assert.Equal(new[] { (ObservationKind.Content, "a") }, Seen(set));
        var content = set.Observations.Single(o => o.Path == "a");
        Assert.Equal(Blake3.Hasher.Hash("alpha\n"u8).ToString(), content.Hash);
        Assert.Equal(new FileMetadata(EntryType.File, 0x1A4, 6, null), content.Metadata);
        Assert.False(content.Unstable);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Content_is_recorded_even_when_the_epoch_ends_right_after_the_reader_exits()
    {
        // The kernel sends RELEASE after close(2) returns, so the epoch may end before it arrives,
        // or while its hash is being computed: the content must land in the epoch either way.
        using var m = Fixture();
        for (var i = 0; i < 30; i++)
        {
            m.Mirror!.Tracker.BeginEpoch();
            var (code, stdout, _) = TestMirror.Run("cat", new[] { "a" }, workingDirectory: m.Mount);
            var set = m.Mirror.Tracker.EndEpoch();
            Assert.Equal((0, "alpha\n"), (code, stdout));
            Assert.Contains(set.Observations, o => o is { Kind: ObservationKind.Content, Path: "a" });
        }
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Ls_records_a_listing_of_that_directory(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        var set = Trace(m, "ls d >/dev/null");
        Assert.Contains((ObservationKind.Listing, "d"), Seen(set));
        Assert.DoesNotContain(Seen(set), o => o.Item1 == ObservationKind.Content || o.Item2.StartsWith("d/", StringComparison.Ordinal));
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Test_f_on_a_missing_name_records_absent(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        var set = Trace(m, "! test -f missing.txt");
        Assert.Equal(new[] { (ObservationKind.Absent, "missing.txt") }, Seen(set));
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Stat_records_metadata_of_that_file_only(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        var set = Trace(m, "stat b >/dev/null");
        Assert.Equal(new[] { (ObservationKind.Metadata, "b") }, Seen(set));
        Assert.Equal(new FileMetadata(EntryType.File, 0x1A4, 6, null), set.Observations.Single(o => o.Path == "b").Metadata);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_symlink_is_recorded_with_its_target_and_its_target_separately()
    {
        using var m = Fixture();
        File.CreateSymbolicLink(Path.Combine(m.Host, "link"), "a");
        var set = Trace(m, "cat link >/dev/null");
        Assert.Contains((ObservationKind.Content, "a"), Seen(set));
        var link = set.Observations.Single(o => o.Path == "link");
        Assert.Equal(ObservationKind.Metadata, link.Kind);
        Assert.Equal(EntryType.Symlink, link.Metadata!.Type);
        Assert.Equal("a", link.Metadata.LinkTarget);
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Reading_the_same_file_in_two_epochs_records_it_in_both(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        // Several accesses of each kind per epoch: no kernel cache (entries, attributes, pages,
        // negative lookups, listings) may hide the second epoch's accesses.
        const string script = "cat a >/dev/null; cat a >/dev/null; stat b >/dev/null; ls d >/dev/null; test -e nope; test -e nope; true";
        var first = Trace(m, script);
        var second = Trace(m, script);
        var third = Trace(m, script);
        Assert.Equal(Seen(first), Seen(second));
        Assert.Equal(Seen(first), Seen(third));
        Assert.Contains((ObservationKind.Content, "a"), Seen(second));
        Assert.Contains((ObservationKind.Metadata, "b"), Seen(second));
        Assert.Contains((ObservationKind.Listing, "d"), Seen(second));
        Assert.Contains((ObservationKind.Absent, "nope"), Seen(second));
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Ls_l_records_each_entry_in_every_epoch_so_no_readdirplus_prefill_hides_lookups(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var seen = Seen(Trace(m, "ls -l d >/dev/null; ls -l d >/dev/null"));
            Assert.Contains((ObservationKind.Listing, "d"), seen);
            Assert.Contains((ObservationKind.Metadata, "d/x"), seen);
            Assert.Contains((ObservationKind.Metadata, "d/y"), seen);
        }
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-1)]
    public void Epochs_are_isolated(int cacheMilliseconds)
    {
        using var m = Fixture(cacheMilliseconds);
        var first = Trace(m, "cat a >/dev/null");
        // Between epochs nothing is recorded.
        Assert.Equal(0, TestMirror.Sh("cat b >/dev/null", workingDirectory: m.Mount).ExitCode);
        var second = Trace(m, "stat d >/dev/null");
        Assert.Equal(new[] { (ObservationKind.Content, "a") }, Seen(first));
        Assert.Equal(new[] { (ObservationKind.Metadata, "d") }, Seen(second));
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_process_that_keeps_a_file_open_is_seen_again_in_the_next_epoch()
    {
        using var m = Fixture();
        using var stream = new FileStream(m.InMount("a"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        m.Mirror!.Tracker.BeginEpoch();
        stream.Position = 0;
        Assert.Equal((byte)'a', (byte)stream.ReadByte());
        var first = m.Mirror.Tracker.EndEpoch();
        m.Mirror.Tracker.BeginEpoch();
        var again = File.ReadAllText(m.InMount("a"));
        var second = m.Mirror.Tracker.EndEpoch();
        Assert.Equal("alpha\n", again);
        Assert.Contains(first.Observations, o => o is { Kind: ObservationKind.Content, Path: "a" });
        Assert.Contains(second.Observations, o => o is { Kind: ObservationKind.Content, Path: "a" });
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void As_root_the_kernel_reads_host_files_itself_and_every_read_is_still_recorded()
    {
        // FUSE passthrough came with Linux 6.9 (and CONFIG_FUSE_PASSTHROUGH, which these machines have).
        using var m = Fixture();
        Assert.Equal(Environment.OSVersion.Version >= new Version(6, 9), m.Mirror!.KernelReadsHostFiles);
        var set = Trace(m, "cat a >/dev/null; head -c 2 b >/dev/null");
        Assert.Equal(new[] { (ObservationKind.Content, "a"), (ObservationKind.Content, "b") }, Seen(set).Order());
        Assert.Equal(Blake3.Hasher.Hash("bravo\n"u8).ToString(), set.Observations.Single(o => o.Path == "b").Hash);
        using var serving = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "a"), "x"), serveReads: true);
        Assert.False(serving.Mirror!.KernelReadsHostFiles);
    }

    // A file opened before an epoch and read during it, without opening it again: with passthrough no
    // READ arrives, so a file open during an epoch counts as read in it.
    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_opened_before_an_epoch_and_read_in_it_is_recorded_in_it(bool serveReads)
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "a"), "alpha\n"), serveReads: serveReads);
        using var stream = new FileStream(m.InMount("a"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        m.Mirror!.Tracker.BeginEpoch();
        Assert.Equal((byte)'a', (byte)stream.ReadByte());
        var set = m.Mirror.Tracker.EndEpoch();
        var content = Assert.Single(set.Observations, o => o is { Kind: ObservationKind.Content, Path: "a" });
        Assert.Equal(Blake3.Hasher.Hash("alpha\n"u8).ToString(), content.Hash);
        Assert.True(set.IsStable);
    }

    // A hash of a file whose stamp is over a second old serves later epochs while the stamp holds; an
    // in-place edit of the same size changes the stamp (ctime), so the next epoch hashes again.
    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_file_edited_between_epochs_is_hashed_again_even_when_its_old_hash_is_kept()
    {
        using var m = Fixture();
        Thread.Sleep(1100);
        var first = Trace(m, "cat a >/dev/null");
        var second = Trace(m, "cat a >/dev/null");
        using (var f = new FileStream(Path.Combine(m.Host, "a"), FileMode.Open, FileAccess.Write)) f.Write("ALPHA\n"u8);
        var third = Trace(m, "cat a >/dev/null");
        string HashOf(ReadSet set) => set.Observations.Single(o => o is { Kind: ObservationKind.Content, Path: "a" }).Hash!;
        Assert.Equal(Blake3.Hasher.Hash("alpha\n"u8).ToString(), HashOf(first));
        Assert.Equal(HashOf(first), HashOf(second));
        Assert.Equal(Blake3.Hasher.Hash("ALPHA\n"u8).ToString(), HashOf(third));
    }

    // close(2) returns before the kernel sends RELEASE: a file a command read and closed just before an
    // epoch began must not count in it (with passthrough an open file counts as read in its epochs).
    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_file_closed_just_before_an_epoch_is_not_recorded_in_it()
    {
        using var m = Fixture();
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(0, TestMirror.Sh("cat a b >/dev/null", workingDirectory: m.Mount).ExitCode);
            m.Mirror!.Tracker.BeginEpoch();
            var set = m.Mirror.Tracker.EndEpoch();
            Assert.Empty(set.Observations);
        }
    }

    // The kernel reads every passthrough open of one file through the first open's host file; when the
    // host replaced the file in between, what a later open is served is not what its path holds.
    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_replaced_on_the_host_while_open_and_opened_again_is_unstable(bool serveReads)
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "a"), "old\n"), serveReads: serveReads);
        m.Mirror!.Tracker.BeginEpoch();
        string second;
        using (var first = new FileStream(m.InMount("a"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
        {
            Assert.Equal((byte)'o', (byte)first.ReadByte());
            File.WriteAllText(Path.Combine(m.Host, "a.new"), "new!\n");
            File.Move(Path.Combine(m.Host, "a.new"), Path.Combine(m.Host, "a"), overwrite: true);
            second = File.ReadAllText(m.InMount("a"));
        }

        var set = m.Mirror.Tracker.EndEpoch();
        Assert.Contains(second, new[] { "old\n", "new!\n" });
        var content = Assert.Single(set.Observations, o => o is { Kind: ObservationKind.Content, Path: "a" });
        Assert.True(content.Unstable);
        Assert.False(set.IsStable);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_file_changed_while_open_is_marked_unstable()
    {
        using var m = Fixture();
        m.Mirror!.Tracker.BeginEpoch();
        using (var stream = File.OpenRead(m.InMount("a")))
        {
            stream.ReadByte();
            File.AppendAllText(Path.Combine(m.Host, "a"), "more\n");
        }

        var set = m.Mirror.Tracker.EndEpoch();
        var content = set.Observations.Single(o => o.Kind == ObservationKind.Content && o.Path == "a");
        Assert.True(content.Unstable);
        Assert.False(set.IsStable);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_recorded_read_set_validates_until_the_host_changes()
    {
        using var m = Fixture();
        File.CreateSymbolicLink(Path.Combine(m.Host, "link"), "b");
        var set = Trace(m, "cat a >/dev/null; stat b >/dev/null; ls d >/dev/null; readlink link >/dev/null; test -e nope; true");
        Assert.True(ReadSetValidator.Validate(m.Host, set).Holds);

        // A change that the step never looked at keeps it valid, even a new mtime on a read file.
        File.WriteAllText(Path.Combine(m.Host, "unrelated"), "z");
        File.SetLastWriteTimeUtc(Path.Combine(m.Host, "a"), DateTime.UtcNow.AddDays(-3));
        Assert.True(ReadSetValidator.Validate(m.Host, ReadSet.FromJson(set.ToJson())).Holds);

        File.WriteAllText(Path.Combine(m.Host, "a"), "ALPHA\n");
        File.SetUnixFileMode(Path.Combine(m.Host, "b"), (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(m.Host, "d", "z"), "z");
        File.Delete(Path.Combine(m.Host, "link"));
        File.CreateSymbolicLink(Path.Combine(m.Host, "link"), "a");
        File.WriteAllText(Path.Combine(m.Host, "nope"), "now here");
        var result = ReadSetValidator.Validate(m.Host, set);
        var failed = result.Mismatches.Select(x => (x.Observation.Kind, x.Observation.Path)).ToHashSet();
        Assert.Contains((ObservationKind.Content, "a"), failed);
        Assert.Contains((ObservationKind.Metadata, "b"), failed);
        Assert.Contains((ObservationKind.Listing, "d"), failed);
        Assert.Contains((ObservationKind.Metadata, "link"), failed);
        Assert.Contains((ObservationKind.Absent, "nope"), failed);
        Assert.Contains(result.Mismatches, x => x.Kind == MismatchKind.PermissionsChanged);
    }
}
