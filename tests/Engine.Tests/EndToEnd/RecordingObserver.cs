using System.Collections.Concurrent;
using System.Text;
using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>Keeps what a build showed: each step's output by line, and the info messages.</summary>
internal sealed class RecordingObserver : IBuildObserver
{
    private readonly ConcurrentDictionary<int, StringBuilder> _output = new();
    private readonly ConcurrentDictionary<(string, int), StringBuilder> _byLayerfile = new();

    /// <summary>Every Layerfile in the order it started, and the most that ran at once.</summary>
    public List<string> Started { get; } = [];

    /// <summary>"start PATH" and "end PATH" in the order they happened.</summary>
    public List<string> Events { get; } = [];

    public int MostAtOnce { get; private set; }

    private int _atOnce;

    public List<string> Messages { get; } = [];

    public string OutputOf(int line) => _output.TryGetValue(line, out var text) ? text.ToString() : "";

    public string AllOutput => string.Concat(_output.Values.Select(v => v.ToString()));

    public void LayerfileStarted(LayerfileReport layerfile)
    {
        lock (Started)
        {
            Started.Add(layerfile.Path);
            Events.Add("start " + layerfile.Path);
            MostAtOnce = Math.Max(MostAtOnce, ++_atOnce);
        }
    }

    public void StepChanged(LayerfileReport layerfile, StepReport step)
    {
    }

    public void StepOutput(LayerfileReport layerfile, StepReport step, string text, bool isError)
    {
        lock (_output)
        {
            _output.GetOrAdd(step.Line, _ => new StringBuilder()).Append(text);
            _byLayerfile.GetOrAdd((layerfile.Path, step.Line), _ => new StringBuilder()).Append(text);
        }
    }

    /// <summary>The output of one Layerfile's step (Layerfiles of a graph share line numbers).</summary>
    public string OutputOf(string layerfile, int line)
    {
        lock (_output) return _byLayerfile.TryGetValue((layerfile, line), out var text) ? text.ToString() : "";
    }

    public void LayerfileFinished(LayerfileReport layerfile)
    {
        lock (Started)
        {
            Events.Add("end " + layerfile.Path);
            _atOnce--;
        }
    }

    public void Info(string message)
    {
        lock (Messages) Messages.Add(message);
    }
}
