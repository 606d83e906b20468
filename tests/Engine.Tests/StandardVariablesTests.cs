using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Parser;

namespace Layer.Engine.Tests;

/// <summary>The standard variables from a real git checkout, and how the planner uses them (SKIP yes, keys no).</summary>
public sealed class StandardVariablesTests : IDisposable
{
    private readonly TempRepository _repo = new("layer-stdvars-");

    public void Dispose() => _repo.Dispose();

    private string Git(params string[] arguments) => _repo.Git(arguments);

    [Fact]
    public void Read_from_the_checkout_branch_commit_tag_title_and_origin()
    {
        Git("init", "-q", "-b", "feature/x");
        File.WriteAllText(Path.Combine(_repo.Root, "a"), "a");
        Git("add", "a");
        Git("commit", "-qm", "Add the thing");
        Git("tag", "-a", "v1.2.3", "-m", "release"); // describe (without --tags) names annotated tags only, as webapp.io runs it
        Git("remote", "add", "origin", "git@github.com:acme/rocket.git");

        var variables = StandardVariables.FromCheckout(_repo.Root, "runner-7");
        var commit = Git("rev-parse", "HEAD");
        Assert.Equal(commit, variables["GIT_COMMIT"]);
        Assert.StartsWith(variables["GIT_SHORT_COMMIT"], commit);
        Assert.Equal("feature/x", variables["GIT_BRANCH"]);
        Assert.Equal("v1.2.3", variables["GIT_TAG"]);
        Assert.Equal("Add the thing", variables["GIT_COMMIT_TITLE"]);
        Assert.Equal("acme", variables["REPOSITORY_OWNER"]);
        Assert.Equal("rocket", variables["REPOSITORY_NAME"]);
        Assert.Equal("true", variables["CI"]);
        Assert.Equal("runner-7", variables["RUNNER_ID"]);
        // Planning asks git only for these names (UnkeyedVariables): a name set here and missing there would read as unset.
        Assert.Empty(variables.Keys.Except(StandardVariables.Names));
    }

    [Fact]
    public void Untagged_and_detached_tag_falls_back_to_the_short_commit_and_branch_is_empty()
    {
        Git("init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(_repo.Root, "a"), "a");
        Git("add", "a");
        Git("commit", "-qm", "first");
        Git("checkout", "-q", "--detach");

        var variables = StandardVariables.FromCheckout(_repo.Root, "r");
        Assert.Equal(Git("rev-parse", "--short", "HEAD"), variables["GIT_SHORT_COMMIT"]);
        Assert.Equal(variables["GIT_SHORT_COMMIT"], variables["GIT_TAG"]);
        Assert.Equal("", variables["GIT_BRANCH"]);
        Assert.Equal("first", variables["GIT_COMMIT_TITLE"]);
    }

    [Fact]
    public void Outside_git_only_the_flags_runner_and_folder_name()
    {
        var variables = StandardVariables.FromCheckout(_repo.Root, "r");
        Assert.False(variables.ContainsKey("GIT_COMMIT"));
        Assert.Equal(_repo.Name, variables["REPOSITORY_NAME"]);
        Assert.Equal("true", variables["CI"]);
    }

    [Theory]
    [InlineData("https://github.com/acme/rocket.git", "acme", "rocket")]
    [InlineData("https://gitlab.example.com/acme/rocket", "acme", "rocket")]
    [InlineData("ssh://git@host:22/acme/rocket.git/", "acme", "rocket")]
    [InlineData("git@github.com:acme/rocket", "acme", "rocket")]
    public void Owner_and_name_from_remote_urls(string url, string owner, string name) =>
        Assert.Equal((owner, name), StandardVariables.OwnerAndName(url));

    private static Plan PlanWith(string text, string branch, string commit)
    {
        var parsed = LayerfileParser.Parse(text, "/repo/Layerfile");
        Assert.False(parsed.HasErrors);
        var initial = StepEnvironment.Initial with
        {
            Unkeyed = UnkeyedVariables.Of(new Dictionary<string, string> { ["GIT_BRANCH"] = branch, ["GIT_COMMIT"] = commit }),
        };
        return Planner.Make(parsed.Layerfile, "/repo", initial, _ => null);
    }

    [Fact]
    public void Skip_sees_them_keys_do_not_and_a_run_gets_them()
    {
        const string text = "FROM vm/busybox\nRUN echo $GIT_COMMIT\nSKIP REMAINING IF GIT_BRANCH!=main\nRUN deploy\n";
        var onMain = PlanWith(text, "main", "aaa");
        var nextCommit = PlanWith(text, "main", "bbb");
        var onBranch = PlanWith(text, "topic", "aaa");

        Assert.Equal(2, onMain.Units.Count);
        Assert.Single(onBranch.Units);
        Assert.Equal("RUN deploy", onBranch.NotRun.Single().Instruction.Canonical);
        var key = (Plan p) => StepKey.Of("image", p.Units[0].Canonical, p.Units[0].Environment.KeyMaterial());
        Assert.Equal(key(onMain), key(nextCommit));
        Assert.Equal("bbb", nextCommit.Units[0].Environment.RunVariables()["GIT_COMMIT"]);
    }

    [Fact]
    public void Planning_reads_them_only_when_the_Layerfile_asks()
    {
        var reads = 0;
        Plan Make(string text)
        {
            var parsed = LayerfileParser.Parse(text, "/repo/Layerfile");
            Assert.False(parsed.HasErrors);
            var standard = new UnkeyedVariables(() =>
            {
                reads++;
                return new Dictionary<string, string> { ["GIT_BRANCH"] = "main" };
            });
            return Planner.Make(parsed.Layerfile, "/repo", StepEnvironment.Initial with { Unkeyed = standard }, _ => null);
        }

        // Neither a RUN's text (the guest's shell expands it) nor a name that is not a standard one reads git.
        Make("FROM vm/busybox\nENV A=$HOME B=$NOT_STANDARD\nRUN echo $GIT_COMMIT\n");
        Assert.Equal(0, reads);
        var skipped = Make("FROM vm/busybox\nSKIP REMAINING IF GIT_BRANCH=main\nRUN deploy\n");
        Assert.Equal(1, reads);
        Assert.Empty(skipped.Units);
        Make("FROM vm/busybox\nENV AT=$GIT_BRANCH\n");
        Assert.Equal(2, reads);
    }

    [Fact]
    public void An_env_of_the_same_name_wins_and_is_keyed()
    {
        var plan = PlanWith("FROM vm/busybox\nENV GIT_BRANCH=fixed COPY_OF=$GIT_COMMIT\nRUN true\n", "main", "aaa");
        var environment = plan.Units[0].Environment;
        Assert.Equal("fixed", environment.RunVariables()["GIT_BRANCH"]);
        Assert.Contains(new KeyValuePair<string, string>("env:COPY_OF", "aaa"), environment.KeyMaterial());
    }
}
