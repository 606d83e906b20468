using Layer.Cli.Commands;
using Layer.Engine.Reporting;

namespace Layer.Cli.Tests;

/// <summary>Which final state `layer shell` boots, above all for a Layerfile that SPLITs.</summary>
public sealed class ShellTargetTests
{
    private static BuildReport Report(params string[] paths)
    {
        var report = new BuildReport();
        report.Layerfiles.AddRange(paths.Select(p => new LayerfileReport { Path = p, Status = "succeeded", FinalLayer = "layer-" + p }));
        return report;
    }

    [Fact]
    public void Without_split_the_last_Layerfile_and_split_is_refused()
    {
        var report = Report("base/Layerfile", "app/Layerfile");
        Assert.Equal("app/Layerfile", ShellCommand.Target(report, null, out var error)!.Path);
        Assert.Null(error);
        ShellCommand.Target(report, 1, out error);
        Assert.Equal("--split 1: app/Layerfile does not SPLIT", error);
    }

    [Fact]
    public void A_split_Layerfile_boots_copy_zero_or_the_one_asked_for()
    {
        var report = Report("Layerfile", "Layerfile#split=0", "Layerfile#split=1", "Layerfile#split=2");
        Assert.Equal("Layerfile#split=0", ShellCommand.Target(report, null, out _)!.Path);
        Assert.Equal("Layerfile#split=2", ShellCommand.Target(report, 2, out var error)!.Path);
        Assert.Null(error);
        Assert.Null(ShellCommand.Target(report, 3, out error));
        Assert.Equal("--split 3: Layerfile has 3 copies (0 to 2)", error);
    }
}
