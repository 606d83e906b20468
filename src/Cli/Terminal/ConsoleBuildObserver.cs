using System.Diagnostics;
using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Cli.Terminal;

/// <summary>
/// Live progress on the terminal: each step as its state changes, the running step's output prefixed
/// with <c>  |</c>, and a table of steps at the end. Plain lines (no cursor tricks), so logs of CI
/// runs read the same as a terminal. With <c>prefixed</c> (several Layerfiles at once, `layer run
/// --all`) every line starts with its Layerfile and output is written a whole line at a time, so the
/// Layerfiles' lines interleave without mixing.
/// </summary>
internal sealed class ConsoleBuildObserver(TextWriter output, bool color, bool prefixed = false) : IBuildObserver
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, System.Text.StringBuilder> _partial = new(StringComparer.Ordinal);
    private bool _midLine;

    public void LayerfileStarted(LayerfileReport layerfile)
    {
        lock (_lock)
        {
            EndLine();
            output.WriteLine(Paint($"{Prefix(layerfile)}== {layerfile.Path} ({layerfile.Steps.Count} steps)", "1"));
        }
    }

    public void StepChanged(LayerfileReport layerfile, StepReport step)
    {
        lock (_lock)
        {
            EndLine();
            var (label, code) = step.Status switch
            {
                StepStatus.Cached => ("cached ", "32"),
                StepStatus.Running => ("running", "36"),
                StepStatus.Ran => ("ran    ", "32;1"),
                StepStatus.Failed => ("FAILED ", "31;1"),
                _ => ("not-run", "33"),
            };
            var time = step.Status is StepStatus.Running or StepStatus.NotRun ? "" : $" {step.Seconds:0.0}s";
            var why = step.Status switch
            {
                StepStatus.Running or StepStatus.NotRun => step.Reason is null ? "" : $"  ({step.Reason})",
                StepStatus.Failed => step.ExitCode is { } code2 ? $"  (exit code {code2})" : "",
                StepStatus.Ran when step.NotCached is not null => $"  (not cached: {step.NotCached})",
                _ => "",
            };
            output.WriteLine($"{Prefix(layerfile)}{Paint(label, code)} {step.Line,4}: {Short(step.Instruction)}{time}{why}");
        }
    }

    public void StepOutput(LayerfileReport layerfile, StepReport step, string text, bool isError)
    {
        lock (_lock)
        {
            if (prefixed)
            {
                WholeLines(layerfile, text, isError);
                return;
            }

            foreach (var c in text)
            {
                if (!_midLine)
                {
                    output.Write(Paint("  | ", isError ? "31" : "2"));
                    _midLine = true;
                }

                if (c == '\n')
                {
                    output.Write('\n');
                    _midLine = false;
                }
                else if (c != '\r')
                {
                    output.Write(c);
                }
            }

            // Written a character at a time: what came without a line end yet shows now.
            output.Flush();
        }
    }

    public void LayerfileFinished(LayerfileReport layerfile)
    {
        lock (_lock)
        {
            EndLine();
            if (_partial.Remove(layerfile.Path, out var rest) && rest.Length > 0) output.WriteLine($"{Prefix(layerfile)}{Paint("  | ", "2")}{rest}");
            if (prefixed) output.WriteLine(Paint($"{Prefix(layerfile)}== {layerfile.Status}", StatusColour(layerfile.Status)));
            if (layerfile.Error is not null) output.WriteLine(Paint(layerfile.Error, layerfile.Status == LayerfileStatus.Waiting ? "33" : "31"));
        }
    }

    /// <summary>Writes the complete lines of <paramref name="text"/>, keeping a trailing partial line for later.</summary>
    private void WholeLines(LayerfileReport layerfile, string text, bool isError)
    {
        if (!_partial.TryGetValue(layerfile.Path, out var pending)) _partial[layerfile.Path] = pending = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            if (c == '\n')
            {
                output.WriteLine($"{Prefix(layerfile)}{Paint("  | ", isError ? "31" : "2")}{pending}");
                pending.Clear();
            }
            else if (c != '\r')
            {
                pending.Append(c);
            }
        }
    }

    private string Prefix(LayerfileReport layerfile) => prefixed ? Paint($"[{layerfile.Path}] ", "35") : "";

    public void Info(string message)
    {
        lock (_lock)
        {
            EndLine();
            output.WriteLine(Paint($"-- {message}", "2"));
        }
    }

    /// <summary>The closing table: one row per step, then the totals and the wall time.</summary>
    public void Summary(BuildReport report)
    {
        lock (_lock)
        {
            EndLine();
            output.WriteLine();
            foreach (var layerfile in report.Layerfiles)
            {
                output.WriteLine(Paint($"{layerfile.Path}: {layerfile.Status}", StatusColour(layerfile.Status)));
                if (layerfile.Status == "not-run" && layerfile.Error is not null) output.WriteLine($"  {layerfile.Error}");
                if (layerfile.WaitingFor is not null) output.WriteLine(Paint($"  waiting at BUTTON {layerfile.WaitingFor} (layer run --approve goes on)", "33"));
                output.WriteLine($"  {"line",4}  {"status",-8} {"time",7}  instruction / why");
                foreach (var step in layerfile.Steps)
                {
                    var why = step.Status == StepStatus.Cached ? "" : step.Reason is null ? "" : $"  <- {step.Reason}";
                    output.WriteLine($"  {step.Line,4}  {step.Status,-8} {step.Seconds,6:0.0}s  {Short(step.Instruction)}{why}");
                }

                foreach (var artifact in layerfile.Artifacts ?? [])
                {
                    output.WriteLine($"  {artifact.Line,4}  artifact {artifact.Guest} -> {artifact.Host} ({artifact.Status})");
                }

                foreach (var exposed in layerfile.Exposed ?? [])
                {
                    output.WriteLine($"  {exposed.Line,4}  exposed  {exposed.Target} at {exposed.Url}");
                }
            }

            var steps = report.Layerfiles.SelectMany(l => l.Steps).ToList();
            output.WriteLine($"{steps.Count(s => s.Status == StepStatus.Cached)} cached, {steps.Count(s => s.Status == StepStatus.Ran)} ran, " +
                             $"{steps.Count(s => s.Status == StepStatus.Failed)} failed, {steps.Count(s => s.Status == StepStatus.NotRun)} not run in {_clock.Elapsed.TotalSeconds:0.0}s");
        }
    }

    private void EndLine()
    {
        if (!_midLine) return;
        output.Write('\n');
        _midLine = false;
    }

    private static string Short(string instruction)
    {
        var line = instruction.ReplaceLineEndings(" ; ");
        return line.Length <= 80 ? line : line[..77] + "...";
    }

    private static string StatusColour(string status) => status switch
    {
        "succeeded" => "32;1",
        LayerfileStatus.Waiting => "33;1",
        _ => "31;1",
    };

    private string Paint(string text, string code) => color ? $"\e[{code}m{text}\e[0m" : text;
}
