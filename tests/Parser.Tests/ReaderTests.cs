using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Layer.Parser.Tests;

/// <summary>
/// Reading a Layerfile from disk (<see cref="LayerfileReader"/>): only regular files, never blocking, at most
/// the size limit, strict UTF-8 with the bad byte's line and column, and no escape through symbolic links.
/// </summary>
public sealed class ReaderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("layer-reader-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string name, string text) => WriteBytes(name, Encoding.UTF8.GetBytes(text));

    private static ReadRefusal Refusal(string path, string? within = null) =>
        Assert.Throws<LayerfileReadException>(() => LayerfileReader.Parse(path, "L", within)).Refusal;

    [Fact]
    public void ARegularFileIsReadAndParsed()
    {
        var result = LayerfileReader.Parse(Write("Layerfile", "FROM vm/x\nRUN echo é\n"), "Layerfile");
        Assert.False(result.HasErrors);
        Assert.Equal(["FROM vm/x", "RUN echo é"], result.Layerfile.Instructions.Select(i => i.Canonical));
        Assert.Equal("FROM vm/x\nRUN echo é\n", result.Source);
    }

    [Fact]
    public void AFifoIsRefusedWithoutWaitingForAWriter()
    {
        var fifo = Path.Combine(root, "Layerfile");
        Run("mkfifo", fifo);
        // Opening a FIFO for reading waits for a writer; nobody writes to this one. A reader that opens it
        // would never return, so the call runs aside and a hang shows as a failure, not as a stuck test run.
        var read = Task.Run(() => Refusal(fifo));
        Assert.True(read.Wait(TimeSpan.FromSeconds(30)), "reading a FIFO blocked");
        Assert.Equal(ReadRefusal.NotAFile, read.Result);
    }

    [Theory]
    [InlineData("/dev/null")]
    [InlineData("/dev/zero")]
    public void ADeviceIsRefused(string device) => Assert.Equal(ReadRefusal.NotAFile, Refusal(device));

    [Fact]
    public void ASocketIsRefused()
    {
        var path = Path.Combine(root, "Layerfile");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        Assert.Equal(ReadRefusal.NotAFile, Refusal(path));
    }

    [Fact]
    public void AFolderIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(root, "Layerfile"));
        Assert.Equal(ReadRefusal.NotAFile, Refusal(Path.Combine(root, "Layerfile")));
    }

    [Fact]
    public void ADanglingLinkAndAMissingFileAreTold()
    {
        var link = Path.Combine(root, "Layerfile");
        File.CreateSymbolicLink(link, Path.Combine(root, "gone"));
        var error = Assert.Throws<LayerfileReadException>(() => LayerfileReader.Parse(link, "L"));
        Assert.Equal(ReadRefusal.DanglingLink, error.Refusal);
        Assert.Contains(Path.Combine(root, "gone"), error.Reason);
        Assert.Equal(ReadRefusal.Missing, Refusal(Path.Combine(root, "nothing")));
    }

    /// <summary>Write-only even for root (procfs checks the mode itself): opening it for reading is refused.</summary>
    [Fact]
    public void AFileThatCannotBeOpenedIsUnreadable() => Assert.Equal(ReadRefusal.Unreadable, Refusal("/proc/sys/vm/drop_caches"));

    [Fact]
    public void ALinkLeadingOutsideTheFolderItWasFoundInIsRefused()
    {
        var outside = Directory.CreateTempSubdirectory("layer-reader-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret"), "FROM vm/x\nroot:$6$hash\n");
            var repository = Path.Combine(root, "repo");
            Directory.CreateDirectory(Path.Combine(repository, "web"));
            File.CreateSymbolicLink(Path.Combine(repository, "Layerfile"), Path.Combine(outside, "secret"));
            File.CreateSymbolicLink(Path.Combine(repository, "web", "Layerfile"), "../../../" + Path.GetFileName(outside) + "/secret");
            Assert.Equal(ReadRefusal.Outside, Refusal(Path.Combine(repository, "Layerfile"), repository));
            Assert.Equal(ReadRefusal.Outside, Refusal(Path.Combine(repository, "web", "Layerfile"), repository));

            // Named directly, the same link is read: the user chose it.
            Assert.True(LayerfileReader.Parse(Path.Combine(repository, "Layerfile"), "L").HasErrors);

            // A link that stays inside is fine.
            File.WriteAllText(Path.Combine(repository, "base.Layerfile"), "FROM vm/x\n");
            File.CreateSymbolicLink(Path.Combine(repository, "web", "x.Layerfile"), "../base.Layerfile");
            Assert.False(LayerfileReader.Parse(Path.Combine(repository, "web", "x.Layerfile"), "L", repository).HasErrors);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, 2, 5)]                   // never valid
    [InlineData(new byte[] { 0xC3 }, 2, 5)]                   // a lead byte cut short by the line break
    [InlineData(new byte[] { 0xC0, 0x80 }, 2, 5)]             // an overlong NUL
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 2, 5)]       // a UTF-16 surrogate written as UTF-8
    [InlineData(new byte[] { 0xC3, 0xA9, 0x80 }, 2, 6)]       // é, then a stray continuation byte
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0xFE }, 2, 7)] // an emoji is two columns (UTF-16), then the bad byte
    public void InvalidUtf8IsAnErrorAtItsLineAndColumn(byte[] bad, int line, int column)
    {
        var bytes = Encoding.UTF8.GetBytes("FROM vm/x\nRUN ").Concat(bad).Concat(Encoding.UTF8.GetBytes(" x\nRUN y\n")).ToArray();
        var result = LayerfileReader.Parse(WriteBytes("Layerfile", bytes), "L");
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((Severity.Error, line, column), (error.Severity, error.Span.Line, error.Span.Column));
        Assert.Empty(result.Layerfile.Instructions);
        Assert.Equal('\uFFFD', result.Source!.Split('\n')[line - 1][column - 1]);
    }

    [Fact]
    public void InvalidUtf8AtTheEndOfTheFileAndAfterAByteOrderMark()
    {
        var cut = LayerfileReader.Parse(WriteBytes("a", [.. Encoding.UTF8.GetBytes("FROM vm/x\nRUN x"), 0xE2, 0x82]), "L");
        Assert.Equal((2, 6), (cut.Diagnostics.Single().Span.Line, cut.Diagnostics.Single().Span.Column));
        var bom = LayerfileReader.Parse(WriteBytes("b", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("FROM "), 0x80]), "L");
        Assert.Equal((1, 6), (bom.Diagnostics.Single().Span.Line, bom.Diagnostics.Single().Span.Column));
    }

    [Fact]
    public void AFileLargerThanTheLimitIsAnErrorWhereItPassesItAndIsNotReadFurther()
    {
        // A 4 MiB file: lines of é (two bytes), the limit falls after the first byte of one of them.
        var line = "# " + new string('é', 499) + "\n"; // 1,001 bytes
        var text = "FROM vm/x\n" + string.Concat(Enumerable.Repeat(line, 4 * 1024 * 1024 / 1001));
        var path = Write("Layerfile", text);
        var result = LayerfileReader.Parse(path, "L");
        var error = Assert.Single(result.Diagnostics);
        var lineIndex = (Limits.MaxBytes - 10) / 1001;
        var offsetInLine = (Limits.MaxBytes - 10) % 1001;
        Assert.Equal((2 + lineIndex, 3 + ((offsetInLine - 2) / 2)), (error.Span.Line, error.Span.Column));
        Assert.True(result.Source!.Length <= Limits.MaxBytes + 4, $"read {result.Source.Length} characters");
    }

    [Fact]
    public void AFileOfExactlyTheLimitIsRead()
    {
        var text = "FROM vm/x\n#" + new string('a', Limits.MaxBytes - 11);
        Assert.False(LayerfileReader.Parse(Write("Layerfile", text), "L").HasErrors);
        Assert.Single(LayerfileReader.Parse(Write("Layerfile", text + "b"), "L").Errors);
    }

    [Fact]
    public void DiscoveryReportsAnUnreadableLayerfileAsAnErrorOfItsNodeAndReadsTheOthers()
    {
        Write("Layerfile", "FROM vm/x\n");
        Directory.CreateDirectory(Path.Combine(root, "web"));
        Run("mkfifo", Path.Combine(root, "web", "Layerfile"));
        var graph = Task.Run(() => LayerfileGraph.Discover(root));
        Assert.True(graph.Wait(TimeSpan.FromSeconds(30)), "discovery blocked on a FIFO");
        Assert.False(graph.Result.Find("Layerfile")!.Parse.HasErrors);
        var fifo = graph.Result.Find("web/Layerfile")!.Parse;
        Assert.Equal(("web/Layerfile", 1, 1), fifo.Errors.Select(e => (e.Span.File, e.Span.Line, e.Span.Column)).Single());
        Assert.Null(fifo.Source);
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
