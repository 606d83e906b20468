using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Parser;

namespace Layer.Engine.Tests;

public sealed class PlannerTests : IDisposable
{
    private readonly PlanningRepository _planning = new("layer-plan-");

    public void Dispose() => _planning.Dispose();

    private Plan PlanOf(string text, string folder = "", Func<string, string?>? buildEnv = null) => _planning.PlanOf(text, folder, buildEnv);

    private static IReadOnlyList<StepKey> Keys(Plan plan) => PlanningRepository.Keys(plan);

    [Fact]
    public void Each_run_and_copy_is_its_own_unit_with_the_environment_set_before_it()
    {
        var plan = PlanOf("FROM vm/busybox\nENV A=1 B=\"two words\"\nWORKDIR /app\nCOPY . .\nUSER nobody\nRUN echo $A\nLABEL x=y\n");
        Assert.Equal([4, 6], plan.Units.Select(u => u.Line));
        var run = plan.Units[1].Steps.Single().Environment;
        Assert.Equal("1", run.Variables["A"]);
        Assert.Equal("two words", run.Variables["B"]);
        Assert.Equal("/app", run.WorkingDirectory);
        Assert.Equal("nobody", run.User);
        Assert.Equal("root", plan.Units[0].Steps.Single().Environment.User);
        var copy = plan.Units[0].Steps.Single().Copy!;
        Assert.Equal([""], copy.Sources);
        Assert.Equal("/app", copy.Destination);
    }

    [Fact]
    public void Env_values_expand_earlier_variables()
    {
        var plan = PlanOf("FROM vm/busybox\nENV BASE=/opt\nENV PATH=$BASE/bin:$PATH TOOL=${BASE}/tool COST=\\$5\nRUN true\n");
        var env = plan.Units.Single().Environment.Variables;
        Assert.StartsWith("/opt/bin:/usr/local/sbin", env["PATH"]);
        Assert.Equal("/opt/tool", env["TOOL"]);
    }

    [Fact]
    public void A_comment_or_rewrapping_edit_keeps_every_key_and_a_change_of_meaning_does_not()
    {
        var keys = Keys(PlanOf("FROM vm/busybox\nRUN echo a && echo b\nRUN cat x\n"));
        Assert.Equal(keys, Keys(PlanOf("# a comment\nFROM vm/busybox\n\nRUN echo a \\\n    &&   echo b\n  # indented comment\nRUN cat x\n")));
        var changed = Keys(PlanOf("FROM vm/busybox\nRUN echo a && echo c\nRUN cat x\n"));
        Assert.NotEqual(keys[0], changed[0]);
        Assert.NotEqual(keys[1], changed[1]);
    }

    [Fact]
    public void Build_env_values_are_in_the_key_and_secret_values_never_are()
    {
        var one = Keys(PlanOf("FROM vm/busybox\nBUILD ENV MODE\nSECRET ENV TOKEN\nRUN make\n", buildEnv: _ => "debug"));
        var two = Keys(PlanOf("FROM vm/busybox\nBUILD ENV MODE\nSECRET ENV TOKEN\nRUN make\n", buildEnv: _ => "release"));
        Assert.NotEqual(one, two);
        var plan = PlanOf("FROM vm/busybox\nSECRET ENV TOKEN\nRUN make\n");
        Assert.Contains("TOKEN", plan.Units.Single().Environment.SecretNames);
        Assert.DoesNotContain(plan.Units.Single().Environment.KeyMaterial(), p => p.Value.Length > 0 && p.Key.StartsWith("secret:"));
    }

    [Fact]
    public void Checkpoint_disabled_groups_steps_until_the_next_checkpoint()
    {
        var plan = PlanOf("FROM vm/busybox\nCHECKPOINT disabled\nRUN a\nRUN b\nCHECKPOINT\nRUN c\nRUN d\n");
        Assert.Equal([[3, 4], [6, 7]], plan.Units.Select(u => u.Steps.Select(s => s.Line).ToArray()).ToArray());
    }

    [Theory]
    [InlineData("MODE=ci", true)]
    [InlineData("MODE!=ci", false)]
    [InlineData("MODE=~^c", true)]
    [InlineData("MODE!=~^c", false)]
    [InlineData("MODE=ci AND CI=true", true)]
    [InlineData("MODE=ci AND CI=false", false)]
    public void Skip_remaining_if_cuts_off_the_rest_when_every_condition_holds(string condition, bool skips)
    {
        var plan = PlanOf($"FROM vm/busybox\nENV MODE=ci\nRUN a\nSKIP REMAINING IF {condition}\nRUN b\nCOPY x /x\n");
        Assert.Equal(skips ? 1 : 3, plan.Units.Count);
        Assert.Equal(skips ? [5, 6] : Array.Empty<int>(), plan.NotRun.Select(s => s.Line));
        Assert.Equal(skips, plan.SkippedAt is not null);
    }

    [Fact]
    public void Copy_sources_resolve_from_the_layerfile_folder_or_the_repository_root()
    {
        var plan = PlanOf("FROM vm/busybox\nCOPY . /app\nCOPY /lib ../shared/x.txt dest\n", folder: "services/web");
        Assert.Equal(["services/web"], plan.Units[0].Steps[0].Copy!.Sources);
        Assert.Equal("/app", plan.Units[0].Steps[0].Copy!.Destination);
        Assert.Equal(["lib", "services/shared/x.txt"], plan.Units[1].Steps[0].Copy!.Sources);
        Assert.Equal("/root/dest", plan.Units[1].Steps[0].Copy!.Destination);
        Assert.Equal("services/web/Layerfile", plan.Layerfile);
    }

    // The same text in two folders copies two different trees: `COPY . /app` of web/Layerfile must never
    // hit the entry api/Layerfile recorded (a folder COPY reads nothing at COPY time, so only its key tells them apart).
    [Fact]
    public void Copies_of_the_same_text_from_different_folders_have_different_keys()
    {
        const string text = "FROM vm/busybox\nCOPY . /app\nRUN cat /app/a.txt\n";
        Assert.NotEqual(Keys(PlanOf(text, folder: "api"))[0], Keys(PlanOf(text, folder: "web"))[0]);
        Assert.NotEqual(Keys(PlanOf(text, folder: "api"))[1], Keys(PlanOf(text, folder: "web"))[1]);
        Assert.Equal(Keys(PlanOf(text, folder: "web")), Keys(PlanOf("# a comment\n" + text, folder: "web")));
    }

    [Fact]
    public void A_copy_source_outside_the_repository_is_refused_at_its_column()
    {
        var error = Assert.Throws<PlanException>(() => PlanOf("FROM vm/busybox\nCOPY ../../etc/passwd /x\n", folder: "a"));
        Assert.Equal((2, 6), (error.Diagnostic.Span.Line, error.Diagnostic.Span.Column));
    }

    [Fact]
    public void Memory_is_read_in_mebibytes()
    {
        Assert.Equal(1024, PlanOf("MEMORY 1G\nFROM vm/busybox\nRUN a\n").MemoryMiB);
        Assert.Null(PlanOf("FROM vm/busybox\nRUN a\n").MemoryMiB);
    }

    [Fact]
    public void Background_commands_follow_the_steps_after_them_in_order_and_stay_out_of_keys()
    {
        var plan = PlanOf("FROM vm/busybox\nRUN BACKGROUND httpd -f\nENV A=1\nRUN BACKGROUND nc -lk -p 9\nRUN wget -qO- localhost\n");
        Assert.Equal(3, plan.Units.Count);
        Assert.Empty(plan.Units[0].Environment.Background);
        Assert.Equal(["httpd -f"], plan.Units[1].Environment.Background.Select(b => b.Command));
        Assert.Equal(["httpd -f", "nc -lk -p 9"], plan.Units[2].Environment.Background.Select(b => b.Command));
        Assert.Equal([2, 4], plan.Final.Background.Select(b => b.Line));
        Assert.Equal("1", plan.Final.Background[1].Environment.Variables["A"]);
        Assert.DoesNotContain(plan.Units[2].Environment.KeyMaterial(), pair => pair.Value.Contains("httpd"));
    }
}
