using System.Security.Cryptography;

namespace Layer.Fs.Tests;

/// <summary>Bytes, names and links served through a real mount equal the host's.</summary>
public sealed class MirrorContentTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void Small_and_empty_files_read_back_equal()
    {
        using var m = TestMirror.Create(host =>
        {
            File.WriteAllText(Path.Combine(host, "a.txt"), "hello\n");
            File.WriteAllBytes(Path.Combine(host, "empty"), []);
            Directory.CreateDirectory(Path.Combine(host, "sub"));
            File.WriteAllText(Path.Combine(host, "sub", "b.txt"), "bee");
        });
        Assert.Equal("hello\n", File.ReadAllText(m.InMount("a.txt")));
        Assert.Empty(File.ReadAllBytes(m.InMount("empty")));
        Assert.Equal("bee", File.ReadAllText(m.InMount("sub/b.txt")));
        Assert.Equal(new[] { "a.txt", "empty", "sub" }, Directory.GetFileSystemEntries(m.Mount).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
