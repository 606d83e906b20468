using System.Formats.Tar;
using System.Text;
using Layer.Engine.Artifacts;
using Layer.Fs.Host;

namespace Layer.Engine.Tests.Artifacts;

/// <summary>Hand-made archives, as hostile build code in the guest could make them, unpacked into a temp folder.</summary>
public sealed class ConfinedExtractionTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("layer-artifacts-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Base => Path.Combine(_temp.FullName, "artifacts");

    private string Root => Path.Combine(Base, "web");

    private string Outside => Path.Combine(_temp.FullName, "outside");

    private static MemoryStream Archive(params TarEntry[] entries)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries) writer.WriteEntry(entry);
        }

        stream.Position = 0;
        return stream;
    }

    private static PaxTarEntry File(string name, string text, UnixFileMode mode = (UnixFileMode)0x1A4) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), Mode = mode };

    private static PaxTarEntry Folder(string name) => new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED };

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    /// <summary>Unpacks into the artifact folder of the Layerfile whose folder is <paramref name="layerfileFolder"/>.</summary>
    private (int Entries, List<string> Notes) Extract(Stream tar, string into, string? replace, string layerfileFolder = "web")
    {
        using var folder = ConfinedFolder.Open(Base, layerfileFolder);
        return ConfinedExtraction.Extract(tar, folder, into, replace);
    }

    /// <summary>The path's own entry (a link is not followed) exists.</summary>
    private static bool Present(string path) => new FileInfo(path) is { LinkTarget: not null } || Path.Exists(path);

    [Fact]
    public void Files_folders_inner_links_and_hard_links_land_under_the_guest_path()
    {
        using var tar = Archive(Folder("./dist/"), File("./dist/index.html", "<p>hi</p>"), Folder("./dist/js/"), File("./dist/js/app.js", "x()"),
            Link("./dist/latest", "js/app.js"), new PaxTarEntry(TarEntryType.HardLink, "./dist/copy.html") { LinkName = "./dist/index.html" });
        var (entries, notes) = Extract(tar, "app", "dist");
        Assert.Empty(notes);
        Assert.Equal(6, entries);
        Assert.Equal("<p>hi</p>", System.IO.File.ReadAllText(Path.Combine(Root, "app/dist/index.html")));
        Assert.Equal("<p>hi</p>", System.IO.File.ReadAllText(Path.Combine(Root, "app/dist/copy.html")));
        Assert.Equal("x()", System.IO.File.ReadAllText(Path.Combine(Root, "app/dist/latest")));
        Assert.Equal("js/app.js", new FileInfo(Path.Combine(Root, "app/dist/latest")).LinkTarget);
    }

    [Fact]
    public void Names_that_climb_out_or_are_absolute_are_left_out()
    {
        Directory.CreateDirectory(Outside);
        using var tar = Archive(File("../../../outside/escaped", "no"), File("./x/../../../../outside/escaped2", "no"), File("/tmp/absolute-" + Guid.NewGuid().ToString("N"), "no"), File("./ok", "yes"));
        var (entries, notes) = Extract(tar, "", "ok");
        Assert.Equal(1, entries);
        Assert.Equal(3, notes.Count);
        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Equal("yes", System.IO.File.ReadAllText(Path.Combine(Root, "ok")));
    }

    [Fact]
    public void Nothing_is_written_through_a_link_from_the_archive_or_left_by_an_earlier_run()
    {
        Directory.CreateDirectory(Outside);
        // An earlier (or hostile) link inside the folder pointing outside it.
        Directory.CreateDirectory(Path.Combine(Root, "out"));
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "out", "old"), Outside);
        using var tar = Archive(Folder("./out/"), Link("./out/evil", Outside), File("./out/evil/planted", "no"), Link("./out/up", "../../../outside"),
            File("./out/old/planted", "no"), File("./out/fine", "yes"));
        var (_, notes) = Extract(tar, "", null);
        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Contains(notes, n => n.Contains("./out/evil: link to"));
        Assert.Contains(notes, n => n.Contains("./out/up: link to"));
        Assert.Contains(notes, n => n.StartsWith("./out/old/planted", StringComparison.Ordinal));
        Assert.Equal("yes", System.IO.File.ReadAllText(Path.Combine(Root, "out/fine")));
    }

    [Fact]
    public void A_link_at_the_target_is_replaced_not_followed_and_the_old_artifact_goes()
    {
        Directory.CreateDirectory(Outside);
        var victim = Path.Combine(Outside, "victim");
        System.IO.File.WriteAllText(victim, "keep");
        Directory.CreateDirectory(Root);
        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "report.txt"), victim);
        using var tar = Archive(File("./report.txt", "new", (UnixFileMode)0xDED));
        Extract(tar, "", "report.txt");
        Assert.Equal("keep", System.IO.File.ReadAllText(victim));
        var written = Path.Combine(Root, "report.txt");
        Assert.Null(new FileInfo(written).LinkTarget);
        Assert.Equal("new", System.IO.File.ReadAllText(written));
        if (!OperatingSystem.IsWindows()) Assert.Equal((UnixFileMode)0x1ED, System.IO.File.GetUnixFileMode(written)); // set-uid and set-gid bits dropped
    }

    [Fact]
    public void A_chain_of_relative_links_that_resolves_outside_on_the_host_is_left_out()
    {
        // a/l1 -> .. is the root itself, so each "a/l1" climbs down and back: the text stays inside, the host path
        // climbs out. Enough ".." to reach / from the root, whatever depth the temp folder has.
        var depth = Root.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        var target = string.Concat(Enumerable.Repeat("a/l1/", depth)) + string.Concat(Enumerable.Repeat("../", depth)) + "etc/shadow";
        Directory.CreateDirectory(Outside);
        using var tar = Archive(Folder("./a/"), Link("./a/l1", ".."), Link("./chain", target), Link("./near", "a/l1/a/l1/../../outside"));
        var (_, notes) = Extract(tar, "", null);
        Assert.False(Present(Path.Combine(Root, "chain")));
        Assert.False(Present(Path.Combine(Root, "near")));
        Assert.Contains(notes, n => n.StartsWith("./chain: link to " + target, StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("./near: link to", StringComparison.Ordinal));
        Assert.Equal("..", new FileInfo(Path.Combine(Root, "a/l1")).LinkTarget); // it stays beneath the root: kept
    }

    [Fact]
    public void A_link_that_points_out_through_a_link_of_an_earlier_artifact_is_left_out()
    {
        Directory.CreateDirectory(Outside);
        System.IO.File.WriteAllText(Path.Combine(Outside, "secret"), "OUTSIDE");
        using (var first = Archive(Folder("./d/"), Link("./d/up", "..")))
        {
            Extract(first, "one", "d");
        }

        using var second = Archive(Link("./steal", "../one/d/up/../../../outside/secret"));
        var (_, notes) = Extract(second, "two", "steal");
        Assert.False(Present(Path.Combine(Root, "two/steal")));
        Assert.Contains(notes, n => n.StartsWith("./steal: link to", StringComparison.Ordinal));
    }

    [Fact]
    public void A_later_link_that_makes_an_earlier_one_resolve_outside_is_caught()
    {
        // "early" dangles while it is made (d/up does not exist yet); "d/up" then makes it resolve outside.
        Directory.CreateDirectory(Outside);
        using var tar = Archive(Link("./early", "d/up/../../outside"), Folder("./d/"), Link("./d/up", ".."));
        var (_, notes) = Extract(tar, "", null);
        Assert.False(Present(Path.Combine(Root, "early")));
        Assert.Contains(notes, n => n.StartsWith("./early: link to", StringComparison.Ordinal));
        Assert.Equal("..", new FileInfo(Path.Combine(Root, "d/up")).LinkTarget);
    }

    [Fact]
    public void An_extraction_stopped_by_a_bad_entry_still_removes_the_links_it_made()
    {
        // The chain is made, then a link the host cannot make (its target is longer than PATH_MAX) stops the
        // extraction: the chain must not stay behind unjudged.
        Directory.CreateDirectory(Outside);
        using var tar = Archive(Folder("./d/"), Link("./d/up", ".."), Link("./chain", "d/up/../../outside"), Link("./long", new string('x', 5000)));
        Assert.ThrowsAny<IOException>(() => Extract(tar, "", null));
        Assert.False(Present(Path.Combine(Root, "chain")));
        Assert.Equal("..", new FileInfo(Path.Combine(Root, "d/up")).LinkTarget);
    }

    [Fact]
    public void A_link_replaced_by_a_folder_and_a_folder_replaced_by_a_link_follow_the_archive_order_and_nothing_leaves_the_folder()
    {
        Directory.CreateDirectory(Outside);
        using var tar = Archive(
            Folder("./d/"), Link("./d/up", ".."),
            // A link the archive then replaces with a folder: the folder's file lands in the folder.
            Link("./x", "d/up/../../outside"), Folder("./x/"), File("./x/f", "in x"),
            // A folder the archive then replaces with a link that climbs out: the folder goes, and so does the link.
            Folder("./y/"), File("./y/f", "in y"), Link("./y", "d/up/../../outside"),
            // A folder replaced with a link inside: kept.
            Folder("./z/"), File("./z/f", "in z"), Link("./z", "d"));
        var (_, notes) = Extract(tar, "", null);
        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Null(new FileInfo(Path.Combine(Root, "x")).LinkTarget);
        Assert.Equal("in x", System.IO.File.ReadAllText(Path.Combine(Root, "x/f")));
        Assert.False(Present(Path.Combine(Root, "y")));
        Assert.Contains(notes, n => n.StartsWith("./y: link to", StringComparison.Ordinal));
        Assert.Equal("d", new FileInfo(Path.Combine(Root, "z")).LinkTarget);
        Assert.False(Present(Path.Combine(Root, "d/f")));
    }

    [Fact]
    public void A_folder_or_file_under_a_link_planted_earlier_in_the_same_archive_is_left_out()
    {
        Directory.CreateDirectory(Path.Combine(Root, "real"));
        using var tar = Archive(Link("./p", "real"), Folder("./p/q/"), File("./p/q/f", "no"), File("./p/g", "no"), File("./ok", "yes"));
        var (_, notes) = Extract(tar, "", null);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Root, "real")));
        Assert.Equal("real", new FileInfo(Path.Combine(Root, "p")).LinkTarget);
        Assert.Contains(notes, n => n.StartsWith("./p/q/: left out (a symbolic link stands on its way)", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("./p/g: left out", StringComparison.Ordinal));
        Assert.Equal("yes", System.IO.File.ReadAllText(Path.Combine(Root, "ok")));
    }

    [Fact]
    public void A_link_planted_by_the_outer_layerfile_where_a_nested_layerfiles_folder_goes_redirects_nothing()
    {
        // web/Layerfile's artifacts hold a link at "sub", where web/sub/Layerfile's folder goes: to a folder of
        // its own, and (as in the moment before its extraction removes it) straight outside.
        Directory.CreateDirectory(Outside);
        using (var outer = Archive(Folder("./inner/"), Link("./sub", "inner")))
        {
            Extract(outer, "", null);
        }

        using (var nested = Archive(File("./f", "nested")))
        {
            Extract(nested, "", "f", "web/sub");
        }

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Root, "inner")));
        Assert.Null(new FileInfo(Path.Combine(Root, "sub")).LinkTarget);
        Assert.Equal("nested", System.IO.File.ReadAllText(Path.Combine(Root, "sub/f")));

        System.IO.File.CreateSymbolicLink(Path.Combine(Root, "other"), Outside);
        using (var nested = Archive(File("./f", "nested")))
        {
            Extract(nested, "", "f", "web/other");
        }

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
    }

    [Fact]
    public void A_nested_layerfiles_folder_cannot_make_a_dangling_link_of_the_outer_one_resolve_outside()
    {
        // "l" dangles when web's artifacts are unpacked; web/sub's then add "m -> ." (fine within web/sub), and
        // sub/m/m/m/../../.. is web/sub's parent's parent's parent on the host: the folder beside the artifacts.
        Directory.CreateDirectory(Outside);
        using (var outer = Archive(Link("./l", "sub/m/m/m/../../../outside")))
        {
            Extract(outer, "", null);
        }

        using (var nested = Archive(Link("./m", ".")))
        {
            Extract(nested, "", "m", "web/sub");
        }

        Assert.Equal(".", new FileInfo(Path.Combine(Root, "sub/m")).LinkTarget);
        Assert.False(Present(Path.Combine(Root, "l")));
    }

    [Fact]
    public void A_link_the_outer_layerfile_puts_in_a_nested_layerfiles_folder_must_stay_in_that_folder()
    {
        // web/sub's "k -> d/.." is its own root. web then replaces sub/d with a link to web's "e": inside web's
        // folder, but it would take k (and anyone following sub/d) out of web/sub's.
        using (var nested = Archive(Folder("./d/"), Link("./k", "d/..")))
        {
            Extract(nested, "", null, "web/sub");
        }

        Directory.CreateDirectory(Path.Combine(Root, "e"));
        using (var outer = Archive(Link("./d", "../e")))
        {
            var (_, notes) = Extract(outer, "sub", "d");
            Assert.Contains(notes, n => n.StartsWith("./d: link to ../e", StringComparison.Ordinal));
        }

        Assert.False(Present(Path.Combine(Root, "sub/d")));
        // k is removed (when the sweep met it while d stood) or dangles (d gone): either way it leads nowhere.
        Assert.False(Path.Exists(Path.Combine(Root, "sub/k")));
    }

    [Fact]
    public void Relative_links_inside_are_kept_and_resolve()
    {
        using var tar = Archive(Folder("./node_modules/"), Folder("./node_modules/typescript/"), Folder("./node_modules/typescript/bin/"),
            File("./node_modules/typescript/bin/tsc", "#!/usr/bin/env node", (UnixFileMode)0x1ED), Folder("./node_modules/.bin/"),
            Link("./node_modules/.bin/tsc", "../typescript/bin/tsc"), Link("./node_modules/.bin/dangling", "../nothing/yet"),
            Link("./node_modules/self", "."));
        var (entries, notes) = Extract(tar, "app", "node_modules");
        Assert.Empty(notes);
        Assert.Equal(8, entries);
        var tsc = Path.Combine(Root, "app/node_modules/.bin/tsc");
        Assert.Equal("../typescript/bin/tsc", new FileInfo(tsc).LinkTarget);
        Assert.Equal("#!/usr/bin/env node", System.IO.File.ReadAllText(tsc));
        Assert.Equal("../nothing/yet", new FileInfo(Path.Combine(Root, "app/node_modules/.bin/dangling")).LinkTarget);
        Assert.Equal("#!/usr/bin/env node", System.IO.File.ReadAllText(Path.Combine(Root, "app/node_modules/self/self/.bin/tsc")));
    }
}
