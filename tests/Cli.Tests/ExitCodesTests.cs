using Layer.Cli.Commands;
using Layer.Engine.Reporting;
using Layer.Engine.Running;
using Layer.Vm.Agent;
using Layer.Vm.Host;
using Layer.Vm.Images;

namespace Layer.Cli.Tests;

/// <summary>The CLI's error model: every failure a user can act on has its message and documented code; the rest is a bug (70).</summary>
public sealed class ExitCodesTests
{
    public static TheoryData<Exception, int> Failures() => new()
    {
        { new BuildException("Layerfile:3:1: error"), ExitCodes.Failed },
        { new ImageBuildException("debootstrap failed"), ExitCodes.Unavailable },
        { new HostCommandException("qemu-img", 1, "Could not open"), ExitCodes.Unavailable },
        { new AgentProtocolException("bad frame"), ExitCodes.Unavailable },
        { new IOException("No space left on device : '/var/lib/layer/index.db'", 28), ExitCodes.IoError },
        { new IOException("Input/output error"), ExitCodes.IoError },
        { new UnauthorizedAccessException("Access to the path '/var/lib/layer' is denied."), ExitCodes.NoPermission },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_the_user_can_act_on_has_its_code(Exception failure, int code)
    {
        var classified = ExitCodes.Classify(failure);
        Assert.NotNull(classified);
        Assert.Equal(code, classified.Value.Code);
        Assert.Contains(failure.Message.TrimEnd('.'), classified.Value.Message);
    }

    [Fact]
    public void A_full_disk_says_how_to_make_room()
    {
        var (_, message) = ExitCodes.Classify(new IOException("No space left on device : '/var/lib/layer/index.db'", 28))!.Value;
        Assert.Contains("layer cache prune", message);
    }

    [Fact]
    public void A_full_cache_disk_says_it_once()
    {
        var full = new Layer.Engine.Cache.CacheFullException("/var/lib/layer", new IOException("No space left on device", 28));
        var (code, message) = ExitCodes.Classify(full)!.Value;
        Assert.Equal(ExitCodes.IoError, code);
        Assert.Equal(full.Message, message);
    }

    [Fact]
    public void Anything_else_is_a_bug()
    {
        Assert.Null(ExitCodes.Classify(new NullReferenceException()));
        Assert.Null(ExitCodes.Classify(new InvalidOperationException("epoch 3 is still open")));
    }

    [Fact]
    public void A_build_ends_with_its_first_failed_steps_exit_code()
    {
        static BuildReport Report(string status, params (string Status, int? Exit)[] steps)
        {
            var layerfile = new LayerfileReport { Path = "Layerfile", Status = status };
            foreach (var (stepStatus, exit) in steps) layerfile.Steps.Add(new StepReport { Line = 2, Instruction = "RUN x", Status = stepStatus, ExitCode = exit });
            var report = new BuildReport();
            report.Layerfiles.Add(layerfile);
            return report;
        }

        Assert.Equal(0, ExitCodes.Of(Report("succeeded", (StepStatus.Ran, 0))));
        Assert.Equal(3, ExitCodes.Of(Report("failed", (StepStatus.Ran, 0), (StepStatus.Failed, 3))));
        Assert.Equal(ExitCodes.Failed, ExitCodes.Of(Report("failed", (StepStatus.Failed, 300))));
        Assert.Equal(ExitCodes.Waiting, ExitCodes.Of(Report(LayerfileStatus.Waiting, (StepStatus.NotRun, null))));
    }
}
