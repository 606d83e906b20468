namespace Layer.Parser.Tests;

/// <summary>Discovery and the Layerfile graph, on real folders.</summary>
public sealed class GraphTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("layer-graph-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string path, string text)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    [Fact]
    public void DiscoveryFindsLayerfilesAndSkipsGitNodeModulesAndIgnoredFolders()
    {
        foreach (var path in new[] { "Layerfile", "web/Layerfile", "web/tests/Layerfile", ".git/Layerfile", "node_modules/x/Layerfile", "build/Layerfile", "tmp/a/Layerfile", "keep/Layerfile", "docs/layerfile", "docs/Layerfile.bak" })
        {
            Write(path, "FROM vm/ubuntu:18.04\n");
        }

        Write(".gitignore", "# generated\nbuild/\n/tmp\n*.bak\n");
        Write("web/.gitignore", "tests\n");
        Write(".git/info/exclude", "keep\n");
        Assert.Equal(["Layerfile", "web/Layerfile"], LayerfileDiscovery.Find(root));
    }

    [Fact]
    public void NegatedAndGlobRulesFollowGitsOrder()
    {
        foreach (var path in new[] { "a/one/Layerfile", "a/two/Layerfile", "b/deep/er/Layerfile", "c/Layerfile" })
        {
            Write(path, "FROM vm/ubuntu:18.04\n");
        }

        Write(".gitignore", "a/*/Layerfile\n!a/two/Layerfile\nb/**/er\n");
        Assert.Equal(["a/two/Layerfile", "c/Layerfile"], LayerfileDiscovery.Find(root));
    }

    [Fact]
    public void FromAndWaitLinkLayerfiles()
    {
        Write("Layerfile", "FROM vm/ubuntu:18.04\nRUN apt-get update\n");
        Write("web/Layerfile", "FROM /Layerfile\nCOPY . .\n");
        Write("web/tests/Layerfile", "FROM ..\nRUN ./test.sh\n");
        Write("deploy/Layerfile", "FROM ../Layerfile\nWAIT /web/tests /web\n");
        var graph = LayerfileGraph.Discover(root);
        Assert.False(graph.HasErrors, string.Join("\n", graph.Diagnostics));
        Assert.Equal(
            [
                (EdgeKind.From, "deploy/Layerfile", "Layerfile", 1),
                (EdgeKind.Wait, "deploy/Layerfile", "web/tests/Layerfile", 2),
                (EdgeKind.Wait, "deploy/Layerfile", "web/Layerfile", 2),
                (EdgeKind.From, "web/Layerfile", "Layerfile", 1),
                (EdgeKind.From, "web/tests/Layerfile", "web/Layerfile", 1),
            ],
            graph.Edges.Select(e => (e.Kind, e.From, e.To, e.Argument.Span.Line)));
        Assert.Equal(FromTargetKind.BaseImage, graph.Find("Layerfile")!.Base!.Kind);
        Assert.Equal(["Layerfile", "web/Layerfile", "web/tests/Layerfile", "deploy/Layerfile"], graph.InBuildOrder().Select(n => n.Path));
    }

    [Fact]
    public void MissingTargetsAndImageNamesAreErrorsAtTheirArgument()
    {
        Write("Layerfile", "FROM ubuntu:18.04\n");
        Write("a/Layerfile", "FROM vm/ubuntu:18.04\nWAIT /nowhere\n");
        Write("b/Layerfile", "FROM ../../outside\n");
        Write("c/Layerfile", "FROM github/acme/base/Layerfile@abc\n");
        var graph = LayerfileGraph.Discover(root);
        Assert.Equal(
            [("Layerfile", 1, 6), ("a/Layerfile", 2, 6), ("b/Layerfile", 1, 6)],
            graph.Diagnostics.Select(d => (d.Span.File, d.Span.Line, d.Span.Column)));
        Assert.Equal(["vm/NAME:TAG"], graph.Diagnostics[0].Expected);
        Assert.Equal("vm/ubuntu:18.04", graph.Diagnostics[0].Suggestion);
        Assert.Equal(FromTargetKind.GitHub, graph.Find("c/Layerfile")!.Base!.Kind);
    }

    [Fact]
    public void CyclesNameEveryFileAndLine()
    {
        Write("a/Layerfile", "FROM /b\n");
        Write("b/Layerfile", "FROM vm/ubuntu:18.04\nRUN x\nWAIT /c\n");
        Write("c/Layerfile", "FROM /a\n");
        Write("self/Layerfile", "FROM vm/ubuntu:18.04\nWAIT /self\n");
        var graph = LayerfileGraph.Discover(root);
        Assert.Equal(2, graph.Diagnostics.Count);
        var cycle = graph.Diagnostics.Single(d => d.Span.File == "a/Layerfile");
        foreach (var place in new[] { "a/Layerfile:1", "b/Layerfile:3", "c/Layerfile:1" })
        {
            Assert.Contains(place, cycle.Message);
        }

        Assert.Equal(("self/Layerfile", 2), graph.Diagnostics.Select(d => (d.Span.File, d.Span.Line)).Single(d => d.Item1 == "self/Layerfile"));
        Assert.Empty(graph.InBuildOrder());
    }

    [Fact]
    public void ParseErrorsStayWithTheirNode()
    {
        Write("Layerfile", "FROM vm/ubuntu:18.04\nCMD x\n");
        var graph = LayerfileGraph.Discover(root);
        Assert.Empty(graph.Diagnostics);
        Assert.True(graph.HasErrors);
        Assert.Equal(2, graph.Nodes.Single().Parse.Errors.Single().Span.Line);
    }

    /// <summary>
    /// The corpus README's multi-file sets, written at their repository paths (INDEX.tsv), link as their
    /// authors meant; the FROM paths that match no file (107 and 112 name /layerfiles/base and /Layer in
    /// a repository that has .layerfiles/ and Layerfile) are reported.
    /// </summary>
    [CorpusTheory]
    [InlineData("046 048", "From .layerfiles/cypress/Layerfile>.layerfiles/base/Layerfile", "")]
    [InlineData("076 077 078 079", "Wait deploy/Layerfile>service-one/Layerfile;Wait deploy/Layerfile>service-two/Layerfile;From service-one/Layerfile>base/Layerfile;From service-two/Layerfile>base/Layerfile", "")]
    [InlineData(
        "105 106 107 108 109 110 111 112",
        "From .layerfiles/base/Layerfile>Layerfile;From .layerfiles/cypress/Layerfile>Layerfile;From .layerfiles/push/Layerfile>Layerfile;Wait .layerfiles/push/Layerfile>.layerfiles/base/Layerfile;Wait .layerfiles/push/Layerfile>.layerfiles/cypress/Layerfile;From services/api/Layerfile>Layerfile",
        ".layerfiles/e2e-tests/Layerfile:1 services/web/Layerfile:1")]
    [InlineData("125 126 128", "From services/api/Layerfile>Layerfile;From services/web/Layerfile>Layerfile", "")]
    [InlineData("137 138", "", "")]
    [InlineData("144 145 147 148 149 150", "From layerfiles/e2e-tests/Layerfile>layerfiles/base/Layerfile;From layerfiles/ephemeral-env/Layerfile>layerfiles/base/Layerfile", "")]
    public void CorpusMultiFileSetsLink(string entries, string edges, string missing)
    {
        var folder = Corpus.Folder;
        Assert.True(folder is not null, "the Layerfile corpus is missing");

        var index = File.ReadAllLines(Path.Combine(folder, "INDEX.tsv")).Skip(1).Select(l => l.Split('\t')).ToDictionary(c => c[0][..3], c => (File: c[0], Path: c[2]));
        foreach (var number in entries.Split(' '))
        {
            Write(index[number].Path, File.ReadAllText(Path.Combine(folder, index[number].File)));
        }

        var graph = LayerfileGraph.Discover(root);
        Assert.All(graph.Nodes, n => Assert.False(n.Parse.HasErrors, string.Join("\n", n.Parse.Errors)));
        Assert.Equal(
            edges.Split(';', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
            graph.Edges.Select(e => $"{e.Kind} {e.From}>{e.To}").Order(StringComparer.Ordinal));
        Assert.Equal(
            missing.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            graph.Diagnostics.Select(d => $"{d.Span.File}:{d.Span.Line}"));
    }
}
