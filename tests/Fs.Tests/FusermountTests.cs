using Layer.Fs.Mounting;

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
