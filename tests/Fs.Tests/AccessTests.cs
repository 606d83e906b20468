namespace Layer.Fs.Tests;

/// <summary>The mirror's own access decision (no default_permissions): root and the allowed uid only.</summary>
public sealed class AccessTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_root_only_0600_file_reaches_the_allowed_uid_and_no_other()
    {
        using var m = TestMirror.Create(host =>
        {
            File.WriteAllText(Path.Combine(host, "secret"), "s3cret");
            File.SetUnixFileMode(Path.Combine(host, "secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Directory.CreateDirectory(Path.Combine(host, "closed"));
            File.WriteAllText(Path.Combine(host, "closed", "inside"), "in");
            File.SetUnixFileMode(Path.Combine(host, "closed"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        });

        // On the host the QEMU user cannot read it...
        Assert.NotEqual(0, TestMirror.Run("cat", new[] { Path.Combine(m.Host, "secret") }, TestMirror.QemuUid).ExitCode);

        // ...through the mirror it can, and root can.
        var qemu = TestMirror.Run("cat", new[] { m.InMount("secret"), m.InMount("closed/inside") }, TestMirror.QemuUid);
        Assert.True(qemu.ExitCode == 0, qemu.Stderr);
        Assert.Equal("s3cretin", qemu.Stdout);
        Assert.Equal("s3cret", File.ReadAllText(m.InMount("secret")));

        // Any other uid is refused everything, even a stat or a listing of the root.
        foreach (var command in new[] { $"cat {m.InMount("secret")}", $"stat {m.Mount}/secret", $"ls {m.Mount}" })
        {
            var other = TestMirror.Sh(command, TestMirror.OtherUid);
            Assert.NotEqual(0, other.ExitCode);
            Assert.Contains("Permission denied", other.Stderr);
        }
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Without_an_allowed_uid_only_root_gets_in()
    {
        using var m = TestMirror.Create(host => File.WriteAllText(Path.Combine(host, "f"), "x"), allowedUid: null);
        Assert.Equal("x", File.ReadAllText(m.InMount("f")));
        Assert.NotEqual(0, TestMirror.Run("cat", new[] { m.InMount("f") }, TestMirror.QemuUid).ExitCode);
    }
}
