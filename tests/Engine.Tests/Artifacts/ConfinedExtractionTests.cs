using System.Formats.Tar;
using System.Text;
using Layer.Engine.Artifacts;

namespace Layer.Engine.Tests.Artifacts;

/// <summary>Hand-made archives, as hostile build code in the guest could make them, unpacked into a temp folder.</summary>
public sealed class ConfinedExtractionTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("layer-artifacts-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Root => Path.Combine(_temp.FullName, "artifacts", "web");

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

    [Fact]
    public void Files_folders_inner_links_and_hard_links_land_under_the_guest_path()
    {
        using var tar = Archive(Folder("./dist/"), File("./dist/index.html", "<p>hi</p>"), Folder("./dist/js/"), File("./dist/js/app.js", "x()"),
            Link("./dist/latest", "js/app.js"), new PaxTarEntry(TarEntryType.HardLink, "./dist/copy.html") { LinkName = "./dist/index.html" });
        var (entries, notes) = ConfinedExtraction.Extract(tar, Root, "app", "dist");
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
        var (entries, notes) = ConfinedExtraction.Extract(tar, Root, "", "ok");
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
        var (_, notes) = ConfinedExtraction.Extract(tar, Root, "", null);
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
        ConfinedExtraction.Extract(tar, Root, "", "report.txt");
        Assert.Equal("keep", System.IO.File.ReadAllText(victim));
        var written = Path.Combine(Root, "report.txt");
        Assert.Null(new FileInfo(written).LinkTarget);
        Assert.Equal("new", System.IO.File.ReadAllText(written));
        if (!OperatingSystem.IsWindows()) Assert.Equal((UnixFileMode)0x1ED, System.IO.File.GetUnixFileMode(written)); // set-uid and set-gid bits dropped
    }
}
