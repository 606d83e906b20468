namespace Layer.Engine.Reporting;

/// <summary>What became of one ARTIFACT path: <c>copied</c>, <c>missing</c> (not in the guest) or <c>failed</c>.</summary>
public sealed class ArtifactReport
{
    public required int Line { get; init; }

    /// <summary>The absolute guest path.</summary>
    public required string Guest { get; init; }

    /// <summary>Where it was copied to on the host (also when missing: where it would have gone).</summary>
    public required string Host { get; init; }

    public string Status { get; set; } = "failed";

    /// <summary>Files, folders and links written.</summary>
    public int Entries { get; set; }

    public bool Public { get; init; }

    /// <summary>What was left out (links pointing outside the artifact, special files) or why it failed.</summary>
    public List<string> Notes { get; } = [];
}
