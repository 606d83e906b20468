using Layer.Engine.Artifacts;
using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Parser;

namespace Layer.Engine.Tests;

/// <summary>How the planner places ARTIFACT, BUTTON and EXPOSE: outside every key, at the line's WORKDIR, between units.</summary>
public sealed class ArtifactButtonExposePlanTests : IDisposable
{
    private readonly PlanningRepository _planning = new("layer-plan-abe-");

    public void Dispose() => _planning.Dispose();

    private Plan PlanOf(string text, string folder = "", Func<string, string?>? buildEnv = null) => _planning.PlanOf(text, folder, buildEnv);

    private static IReadOnlyList<StepKey> Keys(Plan plan) => PlanningRepository.Keys(plan);

    [Fact]
    public void Artifact_paths_are_absolute_under_the_workdir_of_their_line_and_change_no_key()
    {
        var plan = PlanOf("FROM vm/busybox\nWORKDIR /app\nRUN make\nARTIFACT dist ../logs/x.log /abs\nWORKDIR /other\nARTIFACT PUBLIC out\n");
        Assert.Equal(["/app/dist", "/logs/x.log", "/abs", "/other/out"], plan.Artifacts.Select(a => a.GuestPath));
        Assert.Equal([false, false, false, true], plan.Artifacts.Select(a => a.Public));
        Assert.Equal(Keys(PlanOf("FROM vm/busybox\nWORKDIR /app\nRUN make\nWORKDIR /other\n")), Keys(plan));
    }

    [Fact]
    public void Artifact_of_the_root_is_refused()
    {
        var error = Assert.Throws<PlanException>(() => PlanOf("FROM vm/busybox\nWORKDIR /app\nARTIFACT ..\n"));
        Assert.Equal(3, error.Diagnostic.Span.Line);
    }

    [Fact]
    public void A_button_sits_between_units_even_inside_a_checkpoint_group_and_changes_no_key()
    {
        var plan = PlanOf("FROM vm/busybox\nRUN echo a\nBUTTON deploy   it?\nRUN echo b\nBUTTON last\n");
        Assert.Equal([(3, "deploy it?", 1), (5, "last", 2)], plan.Buttons.Select(b => (b.Line, b.Message, b.BeforeUnit)));
        Assert.Equal(Keys(PlanOf("FROM vm/busybox\nRUN echo a\nRUN echo b\n")), Keys(plan));

        var grouped = PlanOf("FROM vm/busybox\nCHECKPOINT disabled\nRUN echo a\nBUTTON go\nRUN echo b\n");
        Assert.Equal(2, grouped.Units.Count);
        Assert.Equal(1, grouped.Buttons.Single().BeforeUnit);
    }

    [Fact]
    public void Expose_lines_become_websites_with_prefixes_and_tcp_ports()
    {
        var plan = PlanOf("FROM vm/busybox\nEXPOSE WEBSITE localhost:8080\nEXPOSE WEBSITE http://localhost:3000 /api /\nEXPOSE TCP 5432 localhost:6379\n");
        Assert.Equal([(2, 8080, "/", null), (3, 3000, "/api", "/")], plan.Exposures.OfType<PlannedWebsite>().Select(w => (w.Line, w.GuestPort, w.Prefix, w.Rewrite)));
        Assert.Equal([5432, 6379], plan.Exposures.OfType<PlannedTcpExposure>().Select(t => t.GuestPort));
    }

    [Fact]
    public void Expose_of_another_host_or_an_https_path_is_refused_at_its_line()
    {
        Assert.Equal(2, Assert.Throws<PlanException>(() => PlanOf("FROM vm/busybox\nEXPOSE WEBSITE db.example:80\n")).Diagnostic.Span.Line);
        Assert.Equal(2, Assert.Throws<PlanException>(() => PlanOf("FROM vm/busybox\nEXPOSE WEBSITE https://localhost /api\n")).Diagnostic.Span.Line);
    }

    [Theory]
    [InlineData("web/Layerfile", "web")]
    [InlineData("a/b/Layerfile#split=2", "a/b#split=2")]
    [InlineData("ci/Layerfile.deploy", "ci/Layerfile.deploy")]
    public void Each_layerfile_gets_a_telling_artifact_folder(string layerfile, string folder) =>
        Assert.Equal(folder, ArtifactCollector.FolderName(layerfile, "/src/shop"));

    [Fact]
    public void The_root_layerfile_is_named_after_the_repository() => Assert.Equal("shop", ArtifactCollector.FolderName("Layerfile", "/src/shop/"));
}
