namespace Layer.Parser.Tests;

/// <summary>Each directive parses into its typed arguments, with the positions of what was written.</summary>
public sealed class DirectiveTests
{
    private static T Single<T>(string instruction)
        where T : Instruction
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\n" + instruction + "\n", "Layerfile");
        Assert.Empty(result.Errors);
        return Assert.IsType<T>(result.Layerfile.Instructions[1]);
    }

    [Theory]
    [InlineData("vm/ubuntu:18.04", FromTargetKind.BaseImage)]
    [InlineData("vm/busybox", FromTargetKind.BaseImage)]
    [InlineData("/Layerfile", FromTargetKind.Layerfile)]
    [InlineData("../base", FromTargetKind.Layerfile)]
    [InlineData("services/web/Layerfile", FromTargetKind.Layerfile)]
    [InlineData("github/webappio/livechat-example/services/Layerfile@4f1c2a", FromTargetKind.GitHub)]
    [InlineData("ubuntu:18.04", FromTargetKind.ImageName)]
    [InlineData("webapp.io/node:16", FromTargetKind.ImageName)]
    public void FromTargetsAreClassified(string target, FromTargetKind kind)
    {
        var result = LayerfileParser.Parse($"FROM {target}\n", "Layerfile");
        Assert.Empty(result.Errors);
        Assert.Equal(kind, result.Layerfile.From!.Target.Kind);
        Assert.Equal(target, result.Layerfile.From.Target.Argument.Value);
    }

    [Fact]
    public void FromPartsAreSplit()
    {
        var image = LayerfileParser.Parse("FROM vm/ubuntu:22.04", "L").Layerfile.From!.Target;
        Assert.Equal(("ubuntu", "22.04"), (image.ImageName, image.ImageTag));
        var github = LayerfileParser.Parse("FROM github/acme/app/ci/Layerfile@abc123", "L").Layerfile.From!.Target;
        Assert.Equal(("acme", "app", "ci/Layerfile", "abc123"), (github.Owner, github.Repository, github.PathInRepository, github.Commit));
    }

    [Theory]
    [InlineData("RUN echo hi", InstructionKind.Run, "echo hi")]
    [InlineData("RUN BACKGROUND npm start", InstructionKind.RunBackground, "npm start")]
    [InlineData("RUN REPEATABLE docker-compose up -d", InstructionKind.RunRepeatable, "docker-compose up -d")]
    [InlineData("RUN echo '# not a comment' # shell comment", InstructionKind.Run, "echo '# not a comment' # shell comment")]
    [InlineData("RUN BACKGROUNDS", InstructionKind.Run, "BACKGROUNDS")]
    public void RunKeepsTheCommand(string line, InstructionKind kind, string command)
    {
        var run = Single<RunInstruction>(line);
        Assert.Equal(kind, run.Kind);
        Assert.Equal(command, run.Command.Value);
    }

    [Fact]
    public void CopyHasSourcesAndDestination()
    {
        var copy = Single<CopyInstruction>("COPY package.json \"my file.txt\" /app/");
        Assert.Equal(["package.json", "my file.txt"], copy.Sources.Select(s => s.Value));
        Assert.Equal("\"my file.txt\"", copy.Sources[1].Raw);
        Assert.Equal("/app/", copy.Destination!.Value);
        Assert.Equal((2, 19, 2, 32), (copy.Sources[1].Span.Line, copy.Sources[1].Span.Column, copy.Sources[1].Span.EndLine, copy.Sources[1].Span.EndColumn));
    }

    [Fact]
    public void CopyWithOnePathCopiesIntoTheWorkingDirectory()
    {
        var copy = Single<CopyInstruction>("COPY /");
        Assert.Equal("/", Assert.Single(copy.Sources).Value);
        Assert.Null(copy.Destination);
    }

    [Fact]
    public void CloneTakesDefaultAnywhere()
    {
        var clone = Single<CloneInstruction>("CLONE \"a@a.a/git\" /a /b DEFAULT='hello world' /clone-dest");
        Assert.Equal("a@a.a/git", clone.Repository.Value);
        Assert.Equal("hello world", clone.DefaultBranch!.Value);
        Assert.Equal(["/a", "/b"], clone.Sources.Select(s => s.Value));
        Assert.Equal("/clone-dest", clone.Destination.Value);
        Assert.Equal("CLONE \"a@a.a/git\" DEFAULT='hello world' /a /b /clone-dest", clone.Canonical);
    }

    [Fact]
    public void EnvTakesPairsQuotesAndReferences()
    {
        var env = Single<EnvInstruction>("ENV A=1 B=\"two words\" PATH=$HOME/bin:$PATH EMPTY=");
        Assert.Equal(["A", "B", "PATH", "EMPTY"], env.Pairs.Select(p => p.Key));
        Assert.Equal(["1", "two words", "$HOME/bin:$PATH", ""], env.Pairs.Select(p => p.Value.Value));
    }

    /// <summary>webapp.io's grammar: `...` and $(...) hold blanks like quotes; they stay in the value as written.</summary>
    [Theory]
    [InlineData("ENV A=`echo hello`", "`echo hello`")]
    [InlineData("ENV A=$(echo hello)", "$(echo hello)")]
    [InlineData("ENV A=pre$(date +%s)post", "pre$(date +%s)post")]
    [InlineData("ENV A=$(echo $(date) \"a) b\" 'c) d' `e) f` (g h))", "$(echo $(date) \"a) b\" 'c) d' `e) f` (g h))")]
    [InlineData("ENV A=`echo \\` b`", "`echo \\` b`")]
    [InlineData("ENV A=\"x y\"$(z w)", "x y$(z w)")]
    [InlineData("ENV A=$HOME/$", "$HOME/$")]
    public void EnvValuesMayBeCommandsWithBlanks(string line, string value)
    {
        var env = Single<EnvInstruction>(line);
        var pair = Assert.Single(env.Pairs);
        Assert.Equal(("A", value), (pair.Key, pair.Value.Value));
        Assert.Equal(line, env.Canonical);
        Assert.Equal(line["ENV A=".Length..], pair.Value.Raw);
    }

    [Fact]
    public void EnvCommandsSitAmongOtherPairs()
    {
        // The reference grammar's own example (corpus file 117, line 12).
        var env = Single<EnvInstruction>("ENV a=`echo hello` b=$(echo hello) c='echo hello' d=\"echo hello\"");
        Assert.Equal(
            [("a", "`echo hello`"), ("b", "$(echo hello)"), ("c", "echo hello"), ("d", "echo hello")],
            env.Pairs.Select(p => (p.Key, p.Value.Value)));
        Assert.Equal((2, 20, 2, 35), (env.Pairs[1].Span.Line, env.Pairs[1].Span.Column, env.Pairs[1].Span.EndLine, env.Pairs[1].Span.EndColumn));
    }

    [Theory]
    [InlineData("ENV A=$(echo a b", 7, "a closing )")]
    [InlineData("ENV A=ok B=`echo a", 12, "a closing `")]
    [InlineData("ENV A=$(echo \"a) b", 14, "a closing \"")]
    public void AnUnclosedEnvCommandIsAnErrorAtItsStart(string line, int column, string expected)
    {
        var error = Assert.Single(LayerfileParser.Parse("FROM vm/x\n" + line + "\n", "L").Errors);
        Assert.Equal((2, column), (error.Span.Line, error.Span.Column));
        Assert.Contains(expected, error.Expected);
    }

    /// <summary>
    /// An ENV command nested past the limit is the nesting error; and however quotes make the shell's
    /// reading and the grammar's differ, parsing cannot recurse without bound.
    /// </summary>
    [Fact]
    public void EnvCommandsNestWithinTheLimit()
    {
        var atLimit = "ENV A=$(" + new string('(', Limits.MaxNesting - 1) + new string(')', Limits.MaxNesting);
        Assert.Equal("$(", Single<EnvInstruction>(atLimit).Pairs.Single().Value.Value[..2]);
        var deep = Assert.Single(LayerfileParser.Parse("FROM vm/x\nENV A=$(" + new string('(', 1000) + "\n", "L").Errors);
        Assert.Equal((2, 8 + Limits.MaxNesting), (deep.Span.Line, deep.Span.Column));

        // The shell reads `"$( '"` as still open (a single quote inside $( inside double quotes), so the
        // parentheses after it do not count; the grammar closes the double quote and opens $( again.
        var tricky = "FROM vm/x\nENV A=\"$( '\"$" + new string('(', Limits.MaxInstructionLength - 30) + "\n";
        Assert.True(LayerfileParser.Parse(tricky, "L").HasErrors);
    }

    [Fact]
    public void EnvTakesDockersOnePairForm()
    {
        var env = Single<EnvInstruction>("ENV PATH $GOPATH/bin:/usr/local/go/bin:$PATH");
        var pair = Assert.Single(env.Pairs);
        Assert.Equal(("PATH", "$GOPATH/bin:/usr/local/go/bin:$PATH"), (pair.Key, pair.Value.Value));
    }

    [Theory]
    [InlineData("BUILD ENV GIT_BRANCH SUBDOMAIN", InstructionKind.BuildEnv, new[] { "GIT_BRANCH", "SUBDOMAIN" })]
    [InlineData("SECRET ENV CYPRESS_RECORD_KEY", InstructionKind.SecretEnv, new[] { "CYPRESS_RECORD_KEY" })]
    [InlineData("CACHE ~/.npm ~/.cache/Cypress", InstructionKind.Cache, new[] { "~/.npm", "~/.cache/Cypress" })]
    [InlineData("WAIT /unit-tests /acceptance-tests", InstructionKind.Wait, new[] { "/unit-tests", "/acceptance-tests" })]
    [InlineData("EXPOSE TCP 5432 localhost:6379", InstructionKind.ExposeTcp, new[] { "5432", "localhost:6379" })]
    [InlineData("SETUP FILE .env.sh", InstructionKind.SetupFile, new[] { ".env.sh" })]
    [InlineData("SETUP FILE /etc/profile ~/.nvm/nvm.sh \"my env.sh\"", InstructionKind.SetupFile, new[] { "/etc/profile", "~/.nvm/nvm.sh", "my env.sh" })]
    public void ListsKeepTheirItems(string line, InstructionKind kind, string[] items)
    {
        var list = Single<ListInstruction>(line);
        Assert.Equal(kind, list.Kind);
        Assert.Equal(items, list.Items.Select(i => i.Value));
    }

    [Theory]
    [InlineData("WORKDIR /app", InstructionKind.Workdir, "/app")]
    [InlineData("USER testuser", InstructionKind.User, "testuser")]
    public void SingleArgumentDirectives(string line, InstructionKind kind, string value)
    {
        var single = Single<SingleArgumentInstruction>(line);
        Assert.Equal((kind, value), (single.Kind, single.Value.Value));
    }

    [Theory]
    [InlineData("CHECKPOINT", null, false)]
    [InlineData("CHECKPOINT deploy", "deploy", false)]
    [InlineData("CHECKPOINT disabled", "disabled", true)]
    public void Checkpoints(string line, string? name, bool disabled)
    {
        var checkpoint = Single<CheckpointInstruction>(line);
        Assert.Equal((name, disabled), (checkpoint.Name?.Value, checkpoint.Disabled));
    }

    [Theory]
    [InlineData("SPLIT 5", 5, false)]
    [InlineData("SPLIT UNORDERED 2", 2, true)]
    public void Splits(string line, int count, bool unordered)
    {
        var split = Single<SplitInstruction>(line);
        Assert.Equal((count, unordered), (split.Count, split.Unordered));
    }

    [Theory]
    [InlineData("MEMORY 512K", 512L * 1024)]
    [InlineData("MEMORY 2G", 2L * 1024 * 1024 * 1024)]
    [InlineData("MEMORY 1500M", 1500L * 1024 * 1024)]
    public void MemoryIsInBytes(string line, long bytes) => Assert.Equal(bytes, Single<MemoryInstruction>(line).Bytes);

    [Fact]
    public void SkipRemainingIfReadsEveryCondition()
    {
        var skip = Single<SkipRemainingIfInstruction>("SKIP REMAINING IF GIT_BRANCH =~ \"m.*ster spaces\" AND JOB_ID !=~ \"layerci/.*\" AND A!=main AND B=\"\"");
        Assert.Equal(
            [("GIT_BRANCH", SkipOperator.Matches, "m.*ster spaces"), ("JOB_ID", SkipOperator.NotMatches, "layerci/.*"), ("A", SkipOperator.NotEquals, "main"), ("B", SkipOperator.Equals, "")],
            skip.Conditions.Select(c => (c.Variable, c.Operator, c.Value!.Value)));
        Assert.Equal("SKIP REMAINING IF GIT_BRANCH=~\"m.*ster spaces\" AND JOB_ID!=~\"layerci/.*\" AND A!=main AND B=\"\"", skip.Canonical);
    }

    [Fact]
    public void LabelButtonExposeWebsiteArtifact()
    {
        Assert.Equal(("display_name", "hello"), Single<LabelInstruction>("LABEL display_name=hello").Pairs.Select(p => (p.Key, p.Value.Value)).Single());
        Assert.Equal("would you like to deploy?", Single<ButtonInstruction>("BUTTON would you like to deploy?").Message!.Value);
        var website = Single<ExposeWebsiteInstruction>("EXPOSE WEBSITE localhost:3000 /api /");
        Assert.Equal(("localhost:3000", "/api", "/"), (website.Target.Value, website.Path!.Value, website.RewritePath!.Value));
        var artifact = Single<ArtifactInstruction>("ARTIFACT PUBLIC /go/bin/sanic logs/");
        Assert.True(artifact.Public);
        Assert.Equal(["/go/bin/sanic", "logs/"], artifact.Paths.Select(p => p.Value));
        Assert.False(Single<ArtifactInstruction>("ARTIFACT PRIVATE /var/log/buildlog").Public);
    }
}
