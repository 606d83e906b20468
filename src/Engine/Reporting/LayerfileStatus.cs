namespace Layer.Engine.Reporting;

/// <summary>How a Layerfile ended (<see cref="LayerfileReport.Status"/>).</summary>
public static class LayerfileStatus
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string NotRun = "not-run";

    /// <summary>Stopped at a BUTTON nobody approved; `layer run --approve` goes on.</summary>
    public const string Waiting = "waiting";
}
