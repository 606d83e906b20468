using System.Collections.Concurrent;
using System.Text;
using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>Keeps what a build showed: each step's output by line, and the info messages.</summary>
internal sealed class RecordingObserver : IBuildObserver
{
    private readonly ConcurrentDictionary<int, StringBuilder> _output = new();

    public List<string> Messages { get; } = [];

    public string OutputOf(int line) => _output.TryGetValue(line, out var text) ? text.ToString() : "";

    public string AllOutput => string.Concat(_output.Values.Select(v => v.ToString()));

    public void LayerfileStarted(LayerfileReport layerfile)
    {
    }

    public void StepChanged(LayerfileReport layerfile, StepReport step)
    {
    }

    public void StepOutput(StepReport step, string text, bool isError) => _output.GetOrAdd(step.Line, _ => new StringBuilder()).Append(text);

    public void LayerfileFinished(LayerfileReport layerfile)
    {
    }

    public void Info(string message)
    {
        lock (Messages) Messages.Add(message);
    }
}
