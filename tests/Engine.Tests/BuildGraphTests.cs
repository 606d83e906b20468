using Layer.Engine.Graph;
using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Engine.Running;
using Layer.Parser;

namespace Layer.Engine.Tests;

/// <summary>Planning a graph into jobs (FROM, WAIT, SPLIT), without VMs.</summary>
public sealed class BuildGraphTests : IDisposable
{
    private readonly DirectoryInfo _repo = Directory.CreateTempSubdirectory("layer-graph-plan-");

    public void Dispose() => _repo.Delete(recursive: true);

    private IReadOnlyList<BuildJob> Jobs(params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(_repo.FullName, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }

        var graph = LayerfileGraph.Discover(_repo.FullName);
        Assert.False(graph.HasErrors, string.Join("\n", graph.Diagnostics));
        var root = _repo.FullName;
        return BuildGraph.Plan(graph.InBuildOrder(), graph.Edges, StepEnvironment.Initial,
            (node, inherited) => Planner.Make(node.Parse.Layerfile with { Path = Path.Combine(root, node.Path) }, root, inherited, _ => null),
            (prefix, i) => Planner.SplitCopy(prefix, i, root, _ => null), _ => { });
    }

    private static IReadOnlyList<string> KeysOf(Plan plan, string parent)
    {
        var keys = new List<string>();
        foreach (var unit in plan.Units)
        {
            parent = StepKey.Of(parent, unit.Canonical, unit.Environment.KeyMaterial()).Hex;
            keys.Add(parent);
        }

        return keys;
    }

    [Fact]
    public void A_child_continues_from_its_parents_final_environment_and_needs_it()
    {
        var jobs = Jobs(("base/Layerfile", "FROM vm/busybox\nENV TOOL=1\nRUN true\n"), ("app/Layerfile", "FROM /base\nRUN echo $TOOL\n"));
        Assert.Equal(["base/Layerfile", "app/Layerfile"], jobs.Select(j => j.Name));
        Assert.Same(jobs[0], jobs[1].Parent);
        Assert.Equal([jobs[0]], jobs[1].Needs);
        Assert.Equal("1", jobs[1].Plan.Units[0].Environment.Variables["TOOL"]);
    }

    [Fact]
    public void Split_makes_one_job_per_copy_with_its_variables_and_wait_needs_every_copy()
    {
        var jobs = Jobs(
            ("tests/Layerfile", "FROM vm/busybox\nWORKDIR /repo\nRUN make\nSPLIT 3\nRUN echo $SPLIT of $SPLIT_NUM\n"),
            ("web/Layerfile", "FROM vm/busybox\nWAIT /tests\nRUN deploy\n"));
        Assert.Equal(["tests/Layerfile", "tests/Layerfile#split=0", "tests/Layerfile#split=1", "tests/Layerfile#split=2", "web/Layerfile"],
            jobs.Select(j => j.Name));
        var prefix = jobs[0];
        Assert.Equal(["RUN make"], prefix.Plan.Units.Select(u => u.Steps.Single().Instruction.Canonical));
        for (var i = 0; i < 3; i++)
        {
            var copy = jobs[i + 1];
            Assert.Same(prefix, copy.Parent);
            var environment = copy.Plan.Units.Single().Environment;
            Assert.Equal(i.ToString(), environment.Variables["SPLIT"]);
            Assert.Equal("3", environment.Variables["SPLIT_NUM"]);
            Assert.Equal("/repo", environment.WorkingDirectory);
        }

        Assert.Equal(3, jobs.Skip(1).Take(3).Select(j => KeysOf(j.Plan, "layer").Single()).Distinct().Count());
        Assert.Equal(jobs.Skip(1).Take(3), jobs[4].Needs);
    }

    [Fact]
    public void An_artifact_before_a_split_is_collected_by_every_copy_and_not_by_the_prefix()
    {
        var jobs = Jobs(("Layerfile", "FROM vm/busybox\nWORKDIR /app\nARTIFACT coverage\nRUN make\nSPLIT 2\nARTIFACT shard-$SPLIT.log\nRUN test\n"));
        Assert.Equal(["/app/coverage"], jobs[0].Plan.Artifacts.Select(a => a.GuestPath));
        Assert.NotNull(jobs[0].Plan.Split);
        Assert.Equal(["/app/coverage", "/app/shard-0.log"], jobs[1].Plan.Artifacts.Select(a => a.GuestPath));
        Assert.Equal(["/app/coverage", "/app/shard-1.log"], jobs[2].Plan.Artifacts.Select(a => a.GuestPath));
    }

    [Fact]
    public void Split_unordered_copies_have_no_split_variable_yet_separate_keys()
    {
        var jobs = Jobs(("Layerfile", "FROM vm/busybox\nSPLIT UNORDERED 2\nRUN echo $SPLIT_NUM\n"));
        var copies = jobs.Skip(1).ToList();
        Assert.Equal(2, copies.Count);
        Assert.All(copies, c => Assert.False(c.Plan.Units.Single().Environment.Variables.ContainsKey("SPLIT")));
        Assert.All(copies, c => Assert.Equal("2", c.Plan.Units.Single().Environment.Variables["SPLIT_NUM"]));
        Assert.NotEqual(KeysOf(copies[0].Plan, "layer"), KeysOf(copies[1].Plan, "layer"));
    }

    [Fact]
    public void From_a_layerfile_that_splits_is_refused_with_its_line()
    {
        var error = Assert.Throws<BuildException>(() => Jobs(
            ("tests/Layerfile", "FROM vm/busybox\nSPLIT 2\nRUN true\n"),
            ("web/Layerfile", "FROM /tests\nRUN true\n")));
        Assert.Contains("web/Layerfile:1", error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void A_skip_before_the_split_means_no_copies()
    {
        var jobs = Jobs(("Layerfile", "FROM vm/busybox\nENV MODE=fast\nSKIP REMAINING IF MODE=fast\nSPLIT 2\nRUN true\n"));
        Assert.Equal(["Layerfile"], jobs.Select(j => j.Name));
        Assert.Null(jobs[0].Plan.Split);
    }
}
