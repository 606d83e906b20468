using Layer.Engine.Reporting;

namespace Layer.Engine.Running;

/// <summary>Live progress of a build, for the terminal. Calls come from several threads when Layerfiles run in parallel (`layer run --all`), in order per step.</summary>
public interface IBuildObserver
{
    void LayerfileStarted(LayerfileReport layerfile);

    /// <summary>The step's status changed (running, cached, ran, failed, not-run).</summary>
    void StepChanged(LayerfileReport layerfile, StepReport step);

    /// <summary>Output of the running step, with secret values already masked.</summary>
    void StepOutput(LayerfileReport layerfile, StepReport step, string text, bool isError);

    void LayerfileFinished(LayerfileReport layerfile);

    /// <summary>Something the user should know (booting, building an image, mounting the workspace).</summary>
    void Info(string message);
}
