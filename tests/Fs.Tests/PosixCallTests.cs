namespace Layer.Fs.Tests;

/// <summary>The less common calls tools make (lseek holes, xattrs, statfs, access) through a real mount.</summary>
public sealed class PosixCallTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void Lseek_xattr_statfs_and_access_behave_like_the_host()
    {
        using var m = TestMirror.Create(host =>
        {
            using (var f = new FileStream(Path.Combine(host, "sparse"), FileMode.CreateNew))
            {
                f.SetLength(8L << 20);
                f.Position = 4L << 20;
                f.Write(new byte[4096]);
                f.WriteByte(1);
            }

            File.WriteAllText(Path.Combine(host, "plain"), "p");
            File.WriteAllText(Path.Combine(host, "tool"), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(host, "tool"), (UnixFileMode)0x1ED);
            File.CreateSymbolicLink(Path.Combine(host, "link"), "plain");
        });

        var script = """
import os
os.setxattr(os.path.join(HOST, "plain"), "user.layer", b"yes")
def show(name, value): print(f"{name}={value}")
for where in (HOST, MNT):
    fd = os.open(os.path.join(where, "sparse"), os.O_RDONLY)
    show("data", os.lseek(fd, 0, os.SEEK_DATA))
    show("hole", os.lseek(fd, 4 << 20, os.SEEK_HOLE))
    os.close(fd)
    show("xattr", os.getxattr(os.path.join(where, "plain"), "user.layer"))
    show("xattrs", sorted(os.listxattr(os.path.join(where, "plain"))))
    show("x_tool", os.access(os.path.join(where, "tool"), os.X_OK))
    show("x_plain", os.access(os.path.join(where, "plain"), os.X_OK))
    show("r_plain", os.access(os.path.join(where, "plain"), os.R_OK))
    show("readlink", os.readlink(os.path.join(where, "link")))
    st = os.statvfs(where)
    show("bsize", st.f_bsize)
    print("--")
""".Replace("HOST", $"'{m.Host}'").Replace("MNT", $"'{m.Mount}'");
        var (code, stdout, stderr) = TestMirror.Run("/usr/bin/python3", new[] { "-c", script });
        Assert.True(code == 0, stderr);
        var parts = stdout.Split("--\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, parts.Length);
        Assert.Equal(parts[0], parts[1]);
        Assert.Contains("xattr=b'yes'", parts[1]);
        Assert.Contains("x_tool=True", parts[1]);
        Assert.Contains("x_plain=False", parts[1]);
        Assert.Contains($"data={4 << 20}", parts[1]);
    }
}
