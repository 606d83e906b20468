using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Layer.Fs.Host;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Tests;

/// <summary>
/// Writes from untrusted content never leave the folder or follow a link, and after the sweep every link in
/// it resolves inside it or nowhere. Each test has its own base folder with an "outside" folder beside it
/// that must stay as it was.
/// </summary>
public sealed class ConfinedFolderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("layer-confined-");

    public ConfinedFolderTests()
    {
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "victim"), "keep");
    }

    public void Dispose() => _temp.Delete(recursive: true);

    private string Base => Path.Combine(_temp.FullName, "base");

    private string Outside => Path.Combine(_temp.FullName, "outside");

    private string Root => Path.Combine(Base, "web");

    private void OutsideIsUntouched()
    {
        Assert.Equal([Path.Combine(Outside, "victim")], Directory.GetFileSystemEntries(Outside));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(Outside, "victim")));
    }

    private static MemoryStream Text(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    private static string? LinkTarget(string path) => new FileInfo(path).LinkTarget;

    [Fact]
    public void Open_makes_the_folder_from_the_base_and_replaces_a_link_or_file_on_its_way_without_following_it()
    {
        Directory.CreateDirectory(Base);
        File.CreateSymbolicLink(Root, Outside);
        using (var folder = ConfinedFolder.Open(Base, "web/sub/deeper"))
        {
            Assert.Equal(Path.Combine(Root, "sub/deeper"), folder.Path);
            Assert.True(folder.WriteFile("f", Text("x"), (UnixFileMode)0x1A4));
        }

        Assert.Null(LinkTarget(Root));
        Assert.Equal("x", File.ReadAllText(Path.Combine(Root, "sub/deeper/f")));
        OutsideIsUntouched();

        File.WriteAllText(Path.Combine(Base, "file"), "in the way");
        using (ConfinedFolder.Open(Base, "file/sub"))
        {
            Assert.True(Directory.Exists(Path.Combine(Base, "file/sub")));
        }
    }

    [Fact]
    public void A_link_on_the_way_refuses_the_write_and_a_link_at_the_target_is_replaced_not_followed()
    {
        using var folder = ConfinedFolder.Open(Base, "web");
        File.CreateSymbolicLink(Path.Combine(Root, "out"), Outside);
        Assert.False(folder.WriteFile("out/planted", Text("no"), (UnixFileMode)0x1A4));
        Assert.False(folder.CreateFolder("out/planted"));
        Assert.False(folder.CreateLink("out/planted", "x"));
        Assert.False(folder.Remove("out/victim"));
        Assert.Null(folder.OpenFile("out/victim"));
        OutsideIsUntouched();

        File.CreateSymbolicLink(Path.Combine(Root, "file"), Path.Combine(Outside, "victim"));
        Assert.True(folder.WriteFile("file", Text("new"), (UnixFileMode)0xDED));
        Assert.Null(LinkTarget(Path.Combine(Root, "file")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(Root, "file")));
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(Root, "file"))); // set-uid and set-gid dropped

        File.CreateSymbolicLink(Path.Combine(Root, "dir"), Outside);
        Assert.True(folder.CreateFolder("dir"));
        Assert.True(folder.WriteFile("dir/in", Text("in"), (UnixFileMode)0x1A4));
        Assert.Null(LinkTarget(Path.Combine(Root, "dir")));
        OutsideIsUntouched();
    }

    [Fact]
    public void Files_and_folders_replace_each_other_and_a_removed_tree_takes_no_link_target_with_it()
    {
        using var folder = ConfinedFolder.Open(Base, "web");
        Assert.True(folder.WriteFile("a", Text("file"), (UnixFileMode)0x1A4));
        Assert.True(folder.WriteFile("a/b/c", Text("deep"), (UnixFileMode)0x1A4)); // the file "a" gives way to a folder
        Assert.Equal("deep", File.ReadAllText(Path.Combine(Root, "a/b/c")));
        File.CreateSymbolicLink(Path.Combine(Root, "a/b/out"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "a/victim"), Path.Combine(Outside, "victim"));
        Assert.True(folder.WriteFile("a", Text("file again"), (UnixFileMode)0x1A4));
        Assert.Equal("file again", File.ReadAllText(Path.Combine(Root, "a")));
        Assert.True(folder.CreateFolder("a"));
        Assert.True(Directory.Exists(Path.Combine(Root, "a")));
        Assert.True(folder.Remove("a"));
        Assert.True(folder.Remove("never-there"));
        Assert.False(Path.Exists(Path.Combine(Root, "a")));
        OutsideIsUntouched();
    }

    [Fact]
    public void Only_a_regular_file_reached_without_a_link_opens_for_reading()
    {
        using var folder = ConfinedFolder.Open(Base, "web");
        folder.WriteFile("f", Text("content"), (UnixFileMode)0x1A4);
        folder.CreateFolder("d");
        folder.CreateLink("l", "f");
        folder.CreateLink("dl", "d");
        using var fifo = Process.Start("mkfifo", Path.Combine(Root, "fifo"));
        fifo.WaitForExit();
        using (var read = folder.OpenFile("f"))
        {
            Assert.Equal("content", new StreamReader(read!).ReadToEnd());
        }

        Assert.Null(folder.OpenFile("d"));
        Assert.Null(folder.OpenFile("l"));
        Assert.Null(folder.OpenFile("dl/x"));
        Assert.Null(folder.OpenFile("fifo"));
        Assert.Null(folder.OpenFile("missing"));
    }

    [Fact]
    public void Paths_with_dot_dot_empty_or_absolute_names_are_refused()
    {
        using var folder = ConfinedFolder.Open(Base, "web");
        foreach (var path in new[] { "", "../x", "a/../../x", "/etc/x", "a//b", "./a" })
        {
            Assert.Throws<ArgumentException>(() => folder.WriteFile(path, Text("no"), (UnixFileMode)0x1A4));
        }

        Assert.Throws<ArgumentException>(() => ConfinedFolder.Open(Base, "../outside"));
    }

    [Fact]
    public void The_sweep_removes_links_that_resolve_outside_by_any_way_and_keeps_those_inside_or_dangling()
    {
        using var folder = ConfinedFolder.Open(Base, "web");
        folder.CreateFolder("a");
        folder.CreateFolder("a/real");
        var links = new Dictionary<string, string>
        {
            ["a/l1"] = "..",                                     // the root: inside
            ["chain"] = "a/l1/a/l1/../../outside/victim",        // reads as inside, resolves beside the base
            ["absolute"] = "/etc",
            ["up"] = "../web/a",                                 // leaves and comes back: refused all the same
            ["loop"] = "loop",
            ["a/inner"] = "real",
            ["a/dangling"] = "missing/../../..",                 // stops at "missing" before leaving
            ["a/climbs"] = "real/../../..",
        };
        foreach (var (path, target) in links) Assert.True(folder.CreateLink(path, target));

        var removed = folder.RemoveEscapingLinks();

        Assert.Equal(
            new[] { "a/climbs", "absolute", "chain", "loop", "up" }.Select(p => Path.Combine(Root, p)),
            removed.Select(r => r.Path).Order());
        Assert.Contains(removed, r => r.Path.EndsWith("/chain", StringComparison.Ordinal) && r.Target == links["chain"]);
        foreach (var kept in new[] { "a/l1", "a/inner", "a/dangling" }) Assert.Equal(links[kept], LinkTarget(Path.Combine(Root, kept)));
        Assert.Empty(folder.RemoveEscapingLinks());
    }

    [Fact]
    public void A_link_inside_another_opened_folder_is_judged_by_that_folder_and_the_sweep_covers_the_first_folder()
    {
        using var web = ConfinedFolder.Open(Base, "web");
        using var sub = ConfinedFolder.Open(Base, "web/sub");
        web.CreateFolder("x");
        web.CreateLink("to-sub", "sub");                  // web's, inside web: kept
        web.CreateLink("sub/k", "../x");                  // web's write, but in web/sub's folder: leaves it
        sub.CreateLink("fine", "../sub/.");               // leaves web/sub for a moment: removed like any other
        sub.CreateLink("self", ".");
        web.CreateLink("escape", "x/../..");              // outside web
        web.CreateLink("other/far", "../../sub");         // in a folder no one opened: judged by web, the first folder

        // web/sub's sweep covers web too: the writes of a folder inside another can change where the outer one's links go.
        var removed = sub.RemoveEscapingLinks().Select(r => r.Path).Order().ToList();
        Assert.Equal(new[] { "escape", "other/far", "sub/fine", "sub/k" }.Select(p => Path.Combine(Root, p)), removed);
        Assert.Equal("sub", LinkTarget(Path.Combine(Root, "to-sub")));
        Assert.Equal(".", LinkTarget(Path.Combine(Root, "sub/self")));
    }

    [Property(Arbitrary = [typeof(ConfinedFolderArbitraries)], MaxTest = 150)]
    public void After_any_writes_and_the_sweep_every_link_resolves_inside_or_nowhere(Writes writes)
    {
        var temp = Directory.CreateTempSubdirectory("layer-confined-prop-");
        try
        {
            var outside = Directory.CreateDirectory(Path.Combine(temp.FullName, "outside")).FullName;
            Directory.CreateDirectory(Path.Combine(outside, "a/b/c"));
            var root = Path.Combine(temp.FullName, "base", "web");
            using (var folder = ConfinedFolder.Open(Path.Combine(temp.FullName, "base"), "web"))
            {
                foreach (var write in writes.List) write.Apply(folder);
                folder.RemoveEscapingLinks();
            }

            Assert.Equal([Path.Combine(outside, "a")], Directory.GetFileSystemEntries(outside));
            foreach (var link in Links(root))
            {
                var landed = Resolve(link);
                Assert.True(landed is null || landed == root || landed.StartsWith(root + "/", StringComparison.Ordinal),
                    $"{link} -> {LinkTarget(link)} resolves to {landed}\n{writes}");
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static IEnumerable<string> Links(string folder)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            if (LinkTarget(entry) is not null) yield return entry;
            else if (Directory.Exists(entry))
            {
                foreach (var inner in Links(entry)) yield return inner;
            }
        }
    }

    /// <summary>Where the kernel's ordinary resolution (what a CI uploading the folder does) lands, or null when it fails.</summary>
    private static string? Resolve(string path)
    {
        var fd = Open(path, O_PATH, 0);
        if (fd < 0) return null;
        try
        {
            return LinkTarget($"/proc/self/fd/{fd}");
        }
        finally
        {
            Close(fd);
        }
    }
}

/// <summary>One write through <see cref="ConfinedFolder"/>.</summary>
public sealed record Write(string Kind, string Path, string Target)
{
    public void Apply(ConfinedFolder folder)
    {
        switch (Kind)
        {
            case "folder": folder.CreateFolder(Path); break;
            case "file": folder.WriteFile(Path, new MemoryStream([1]), (UnixFileMode)0x1A4); break;
            case "link": folder.CreateLink(Path, Target); break;
            default: folder.Remove(Path); break;
        }
    }

    public override string ToString() => Kind == "link" ? $"link {Path} -> {Target}" : $"{Kind} {Path}";
}

public sealed record Writes(IReadOnlyList<Write> List)
{
    public override string ToString() => string.Join("\n", List);
}

public static class ConfinedFolderArbitraries
{
    private static readonly Gen<string> Paths = Gen.NonEmptyListOf(Gen.Elements("a", "b", "c")).Select(n => string.Join('/', n.Take(3)));

    // Few names and many "..": chains through links that climb are what the sweep must catch.
    private static readonly Gen<string> Targets = Gen.Frequency(
        (8, Gen.NonEmptyListOf(Gen.Elements("a", "b", "c", "..", "..", ".", "web", "outside")).Select(n => string.Join('/', n.Take(8)))),
        (1, Gen.Elements("/", "/etc", "/tmp")));

    public static Arbitrary<Writes> WriteLists() =>
        Arb.From(Gen.NonEmptyListOf(Gen.Frequency(
                (3, Paths.Select(p => new Write("folder", p, ""))),
                (2, Paths.Select(p => new Write("file", p, ""))),
                (6, Paths.SelectMany(p => Targets.Select(t => new Write("link", p, t)))),
                (1, Paths.Select(p => new Write("remove", p, "")))))
            .Select(w => new Writes(w.Take(20).ToList())));
}
