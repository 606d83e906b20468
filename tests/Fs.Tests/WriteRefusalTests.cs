namespace Layer.Fs.Tests;

/// <summary>The mirror is read-only: every call that would change it gets EROFS.</summary>
public sealed class WriteRefusalTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void Every_write_call_is_refused_with_erofs()
    {
        using var m = TestMirror.Create(host =>
        {
            File.WriteAllText(Path.Combine(host, "f"), "data");
            Directory.CreateDirectory(Path.Combine(host, "d"));
        });
        // One python process issues each call and prints its errno name, so the exact error is checked.
        var script = """
import os, errno
def attempt(name, call):
    try:
        call()
        print(name, "OK")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
attempt("open-write", lambda: os.open("f", os.O_WRONLY))
attempt("open-rdwr", lambda: os.open("f", os.O_RDWR))
attempt("open-trunc", lambda: os.open("f", os.O_RDONLY | os.O_TRUNC))
attempt("open-append", lambda: os.open("f", os.O_WRONLY | os.O_APPEND))
attempt("create", lambda: os.open("new", os.O_WRONLY | os.O_CREAT, 0o644))
attempt("mkdir", lambda: os.mkdir("newdir"))
attempt("mknod-fifo", lambda: os.mkfifo("fifo"))
attempt("unlink", lambda: os.unlink("f"))
attempt("rmdir", lambda: os.rmdir("d"))
attempt("rename", lambda: os.rename("f", "g"))
attempt("link", lambda: os.link("f", "h"))
attempt("symlink", lambda: os.symlink("f", "s"))
attempt("chmod", lambda: os.chmod("f", 0o600))
attempt("chown", lambda: os.chown("f", 1, 1))
attempt("truncate", lambda: os.truncate("f", 0))
attempt("utime", lambda: os.utime("f", (1, 1)))
attempt("setxattr", lambda: os.setxattr("f", "user.x", b"1"))
attempt("removexattr", lambda: os.removexattr("f", "user.x"))
attempt("access-w", lambda: (_ for _ in ()).throw(OSError(errno.EROFS, "")) if not os.access("f", os.W_OK) else None)
""";
        var (code, stdout, stderr) = TestMirror.Run("/usr/bin/python3", new[] { "-c", script }, workingDirectory: m.Mount);
        Assert.True(code == 0, stderr);
        var results = stdout.Trim().Split('\n').Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(19, results.Count);
        Assert.All(results, r => Assert.True(r.Value == "EROFS", $"{r.Key} gave {r.Value}"));
        Assert.Equal("data", File.ReadAllText(Path.Combine(m.Host, "f")));
        Assert.Equal(new[] { "d", "f" }, Directory.GetFileSystemEntries(m.Host).Select(Path.GetFileName).Order());
    }
}
