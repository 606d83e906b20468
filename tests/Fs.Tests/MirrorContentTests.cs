using System.Security.Cryptography;

namespace Layer.Fs.Tests;

/// <summary>Bytes, names and links served through a real mount equal the host's.</summary>
public sealed class MirrorContentTests
{
    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(false)]
    [InlineData(true)]
    public void Small_and_empty_files_read_back_equal(bool serveReads)
    {
        using var m = TestMirror.Create(host =>
        {
            File.WriteAllText(Path.Combine(host, "a.txt"), "hello\n");
            File.WriteAllBytes(Path.Combine(host, "empty"), []);
            Directory.CreateDirectory(Path.Combine(host, "sub"));
            File.WriteAllText(Path.Combine(host, "sub", "b.txt"), "bee");
        }, serveReads: serveReads);
        Assert.Equal("hello\n", File.ReadAllText(m.InMount("a.txt")));
        Assert.Empty(File.ReadAllBytes(m.InMount("empty")));
        Assert.Equal("bee", File.ReadAllText(m.InMount("sub/b.txt")));
        Assert.Equal(new[] { "a.txt", "empty", "sub" }, Directory.GetFileSystemEntries(m.Mount).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(false)]
    [InlineData(true)]
    public void A_sparse_file_over_one_gib_reads_equal_at_random_offsets_and_its_end(bool serveReads)
    {
        const long size = (1L << 30) + 12345;
        var marks = new Dictionary<long, byte[]>();
        using var m = TestMirror.Create(host =>
        {
            using var f = new FileStream(Path.Combine(host, "big"), FileMode.CreateNew);
            f.SetLength(size);
            var random = new Random(7);
            for (var i = 0; i < 64; i++)
            {
                var at = (long)(random.NextDouble() * (size - 5000));
                var bytes = new byte[1 + random.Next(4096)];
                random.NextBytes(bytes);
                f.Position = at;
                f.Write(bytes);
                marks[at] = bytes;
            }

            f.Position = size - 3;
            f.Write("END"u8);
        }, serveReads: serveReads);
        Assert.Equal(size, new FileInfo(m.InMount("big")).Length);
        using var host = File.OpenRead(Path.Combine(m.Host, "big"));
        using var mirror = File.OpenRead(m.InMount("big"));
        var random = new Random(11);
        var a = new byte[70000];
        var b = new byte[70000];
        for (var i = 0; i < 200; i++)
        {
            var at = i < marks.Count ? marks.Keys.ElementAt(i) : (long)(random.NextDouble() * size);
            var length = random.Next(1, a.Length);
            var n1 = RandomAccess.Read(host.SafeFileHandle, a.AsSpan(0, length), at);
            var n2 = RandomAccess.Read(mirror.SafeFileHandle, b.AsSpan(0, length), at);
            Assert.Equal(n1, n2);
            Assert.True(a.AsSpan(0, n1).SequenceEqual(b.AsSpan(0, n2)), $"bytes differ at {at}+{length}");
        }

        var tail = new byte[10];
        Assert.Equal(3, RandomAccess.Read(mirror.SafeFileHandle, tail, size - 3));
        Assert.Equal("END"u8.ToArray(), tail[..3]);
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(false)]
    [InlineData(true)]
    public void A_large_file_reads_equal_sequentially(bool serveReads)
    {
        var data = new byte[24 * 1024 * 1024 + 17];
        new Random(3).NextBytes(data);
        using var m = TestMirror.Create(host => File.WriteAllBytes(Path.Combine(host, "data"), data), serveReads: serveReads);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(m.InMount("data"))));
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Odd_names_are_served_as_they_are()
    {
        var names = new[] { "with space", "new\nline".Replace("\\n", "\n"), "ünïcødé ✓", "日本語.txt", "-dash", ".hidden" };
        using var m = TestMirror.Create(host =>
        {
            foreach (var name in names) File.WriteAllText(Path.Combine(host, name), name);
        });
        Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFiles(m.Mount).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in names) Assert.Equal(name, File.ReadAllText(m.InMount(name)));
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void Symlinks_are_served_as_symlinks_and_hard_links_share_content()
    {
        using var m = TestMirror.Create(host =>
        {
            File.WriteAllText(Path.Combine(host, "target"), "T");
            File.CreateSymbolicLink(Path.Combine(host, "rel"), "target");
            File.CreateSymbolicLink(Path.Combine(host, "dangling"), "nowhere/at/all");
            Directory.CreateDirectory(Path.Combine(host, "dir"));
            File.CreateSymbolicLink(Path.Combine(host, "dir", "up"), "../target");
            Assert.Equal(0, TestMirror.Run("ln", new[] { Path.Combine(host, "target"), Path.Combine(host, "hard") }).ExitCode);
        });
        Assert.Equal("target", new FileInfo(m.InMount("rel")).LinkTarget);
        Assert.Equal("T", File.ReadAllText(m.InMount("rel")));
        Assert.Equal("T", File.ReadAllText(m.InMount("dir/up")));
        Assert.Equal("nowhere/at/all", new FileInfo(m.InMount("dangling")).LinkTarget);
        Assert.Equal(1, TestMirror.Sh("test -e dangling", workingDirectory: m.Mount).ExitCode);
        Assert.Equal("T", File.ReadAllText(m.InMount("hard")));
        var (_, stat, _) = TestMirror.Run("stat", new[] { "-c", "%h %i", m.InMount("hard"), m.InMount("target") });
        var lines = stat.Trim().Split('\n');
        Assert.Equal(lines[0], lines[1]);
        Assert.StartsWith("2 ", lines[0]);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public void A_directory_of_ten_thousand_entries_lists_completely()
    {
        using var m = TestMirror.Create(host =>
        {
            var dir = Directory.CreateDirectory(Path.Combine(host, "many")).FullName;
            for (var i = 0; i < 10_000; i++) File.WriteAllText(Path.Combine(dir, $"entry-{i:D5}-with-a-longer-name"), "");
        });
        var names = Directory.GetFiles(m.InMount("many")).Select(Path.GetFileName).ToList();
        Assert.Equal(10_000, names.Count);
        Assert.Equal(10_000, names.Distinct().Count());
        var (code, ls, _) = TestMirror.Sh("ls -a many | wc -l", workingDirectory: m.Mount);
        Assert.Equal(0, code);
        Assert.Equal("10002", ls.Trim());
    }

    [HostTheory(Needs.Root, Needs.Fuse)]
    [InlineData(false)]
    [InlineData(true)]
    public void Eight_concurrent_readers_see_the_right_bytes(bool serveReads)
    {
        var files = Enumerable.Range(0, 8).Select(i =>
        {
            var bytes = new byte[3 * 1024 * 1024 + i * 4099];
            new Random(i).NextBytes(bytes);
            return bytes;
        }).ToArray();
        using var m = TestMirror.Create(host =>
        {
            for (var i = 0; i < files.Length; i++) File.WriteAllBytes(Path.Combine(host, $"f{i}"), files[i]);
        }, serveReads: serveReads);
        m.Mirror!.Tracker.BeginEpoch();
        var results = new byte[8][][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, reader =>
        {
            results[reader] = new byte[files.Length][];
            for (var j = 0; j < files.Length; j++)
            {
                var i = (j + reader) % files.Length;
                results[reader][i] = File.ReadAllBytes(m.InMount($"f{i}"));
            }
        });
        var set = m.Mirror.Tracker.EndEpoch();
        for (var reader = 0; reader < 8; reader++)
        for (var i = 0; i < files.Length; i++)
        {
            Assert.True(files[i].AsSpan().SequenceEqual(results[reader][i]), $"reader {reader} file {i}");
        }

        for (var i = 0; i < files.Length; i++)
        {
            var content = Assert.Single(set.Observations, o => o.Path == $"f{i}");
            Assert.Equal(Blake3.Hasher.Hash(files[i]).ToString(), content.Hash);
        }
    }
}
