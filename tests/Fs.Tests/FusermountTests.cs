using Layer.Fs.Mounting;
using Layer.Fs.Tracking;

namespace Layer.Fs.Tests;

/// <summary>The ordinary-user path: fusermount3 mounts and passes /dev/fuse back over a socket.</summary>
public sealed class FusermountTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_mirror_mounted_through_fusermount3_serves_and_unmounts()
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "via fusermount3"), mount: false);
        m.MountNow(method: MountMethod.Fusermount);
        Assert.Contains(StaleMounts.ReadMountInfo(), x => x.Mountpoint == m.Mount && x.FsType == KernelMount.FsType);
        m.Mirror!.Tracker.BeginEpoch();
        Assert.Equal("via fusermount3", File.ReadAllText(m.InMount("f")));
        Assert.Contains(m.Mirror.Tracker.EndEpoch().Observations, o => o.Path == "f");
        m.Mirror.Dispose();
        Assert.DoesNotContain(StaleMounts.ReadMountInfo(), x => x.Mountpoint == m.Mount);
    }

    // Layer.Fs.MountAsUser (built beside the tests) mounts, runs a command inside with one epoch open,
    // and prints the read set; setpriv runs it as `nobody`, an ordinary user.
    private static (int ExitCode, string Stdout, string Stderr) AsUser(string directory, string allowed, params string[] command)
    {
        // The build output may sit where `nobody` cannot go (a clone under /root): run a copy.
        var bin = Directory.CreateDirectory(Path.Combine(directory, "bin")).FullName;
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory)
                     .Where(f => Path.GetFileName(f) is "Layer.Fs.dll" or "Blake3.dll" || Path.GetFileName(f).StartsWith("Layer.Fs.MountAsUser.", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(bin, Path.GetFileName(file)));
        }

        var arguments = new[] { "HOME=/nonexistent", "dotnet", Path.Combine(bin, "Layer.Fs.MountAsUser.dll"), Path.Combine(directory, "host"), Path.Combine(directory, "mnt"), allowed }.Concat(command);
        return TestMirror.Run("env", arguments, TestMirror.OtherUid);
    }

    private static string UserFolder()
    {
        var directory = Directory.CreateTempSubdirectory("layer-user-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "host"));
        Directory.CreateDirectory(Path.Combine(directory, "mnt"));
        File.WriteAllText(Path.Combine(directory, "host", "f"), "user data");
        TestMirror.Run("chown", new[] { "-R", $"{TestMirror.OtherUid}:{TestMirror.OtherUid}", directory });
        File.SetUnixFileMode(directory, (UnixFileMode)0x1ED);
        return directory;
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void An_ordinary_user_mounts_through_fusermount3_and_reads_are_tracked()
    {
        var directory = UserFolder();
        try
        {
            var (code, stdout, stderr) = AsUser(directory, "-", "cat", "f");
            Assert.True(code == 0, stderr);
            Assert.Contains("user data", stderr); // the command's output
            var set = ReadSet.FromJson(stdout);
            var content = Assert.Single(set.Observations, o => o.Kind == ObservationKind.Content);
            Assert.Equal("f", content.Path);
            Assert.Equal(Blake3.Hasher.Hash("user data"u8).ToString(), content.Hash);
            Assert.DoesNotContain(StaleMounts.ReadMountInfo(), m => m.Mountpoint == Path.Combine(directory, "mnt"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void An_ordinary_user_letting_another_uid_in_needs_user_allow_other()
    {
        var directory = UserFolder();
        try
        {
            var (code, _, stderr) = AsUser(directory, TestMirror.QemuUid.ToString(), "cat", "f");
            if (FuseConf.AllowsOther())
            {
                Assert.True(code == 0, stderr);
            }
            else
            {
                Assert.Equal(2, code);
                Assert.Contains("user_allow_other", stderr);
                Assert.Contains("/etc/fuse.conf", stderr);
                Assert.DoesNotContain("   at ", stderr); // a message, not a stack trace
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void User_allow_other_is_read_from_fuse_conf()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "# user_allow_other\nmount_max = 1000\n");
            Assert.False(FuseConf.AllowsOther(file));
            File.WriteAllText(file, "# comment\n  user_allow_other  \n");
            Assert.True(FuseConf.AllowsOther(file));
            Assert.False(FuseConf.AllowsOther(file + ".missing"));
            Assert.Contains("user_allow_other", FuseConf.MissingAllowOtherMessage);
            Assert.Contains("/etc/fuse.conf", FuseConf.MissingAllowOtherMessage);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
