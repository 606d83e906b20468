using System.Text.Json;
using System.Text.Json.Serialization;

namespace Layer.Engine.Reporting;

/// <summary>What a step did: <c>cached</c> (skipped, snapshot reused), <c>ran</c>, <c>failed</c>, or <c>not-run</c>.</summary>
public static class StepStatus
{
    public const string Cached = "cached";
    public const string Running = "running";
    public const string Ran = "ran";
    public const string Failed = "failed";
    public const string NotRun = "not-run";
}

/// <summary>One step of the report (the shape `layer run --report` writes).</summary>
public sealed class StepReport
{
    public required int Line { get; init; }

    public required string Instruction { get; init; }

    public string Status { get; set; } = StepStatus.NotRun;

    /// <summary>Why the step ran, in words a user can act on; for a cached step, what it would have taken.</summary>
    public string? Reason { get; set; }

    public double Seconds { get; set; }

    /// <summary>The paths the step was seen reading (content, metadata, listings, absent names).</summary>
    public IReadOnlyList<string> Reads { get; set; } = [];

    public int? ExitCode { get; set; }

    /// <summary>The snapshot layer the step left (cached or new).</summary>
    public string? Layer { get; set; }

    /// <summary>Why a step that ran was not recorded in the cache, when it was not.</summary>
    public string? NotCached { get; set; }
}

public sealed class LayerfileReport
{
    public required string Path { get; init; }

    /// <summary><c>succeeded</c>, <c>failed</c>, <c>not-run</c>, or <c>waiting</c> (stopped at a BUTTON nobody approved).</summary>
    public string Status { get; set; } = "failed";

    /// <summary>For <c>waiting</c>: the BUTTON's line and message.</summary>
    public string? WaitingFor { get; set; }

    /// <summary>ARTIFACT paths and where they were copied (null: the Layerfile has none).</summary>
    public List<ArtifactReport>? Artifacts { get; set; }

    /// <summary>EXPOSE lines being served after the build (null: nothing exposed).</summary>
    public List<ExposedReport>? Exposed { get; set; }

    public List<StepReport> Steps { get; } = [];

    /// <summary>The layer the Layerfile ended on (what `layer shell` boots and children build on).</summary>
    public string? FinalLayer { get; set; }

    public string? Error { get; set; }

    /// <summary>The environment the last step ran with (variables, WORKDIR, USER): what `layer shell` starts in.</summary>
    [JsonIgnore]
    public Planning.StepEnvironment? FinalEnvironment { get; set; }

    /// <summary>The Layerfile's MEMORY, when it sets one.</summary>
    [JsonIgnore]
    public int? MemoryMiB { get; set; }
}

public sealed class BuildReport
{
    public List<LayerfileReport> Layerfiles { get; } = [];

    public bool Succeeded => Layerfiles.Count > 0 && Layerfiles.All(l => l.Status == "succeeded");

    /// <summary>Whether the run stopped at a BUTTON (and nothing failed).</summary>
    public bool Waiting => !Succeeded && Layerfiles.Any(l => l.Status == "waiting") && Layerfiles.All(l => l.Status is "succeeded" or "waiting" or "not-run");

    /// <summary>The build succeeded and then served what it exposed until it was cancelled (Ctrl-C): a normal end.</summary>
    [JsonIgnore]
    public bool ServedUntilCancelled { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, BuildReportJsonContext.Default.BuildReport);

    /// <summary>Writes the report atomically (temp file, then rename).</summary>
    public void WriteTo(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        // UTF-8 straight into the file: a no-change run of a step that read 10,000 files writes 0.7 MB, which
        // as a string first was two more copies of it (UTF-16, then encoded again).
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
        {
            JsonSerializer.Serialize(file, this, BuildReportJsonContext.Default.BuildReport);
        }

        File.Move(temporary, full, overwrite: true);
    }
}

/// <summary>Source-generated JSON for `--report` (no reflection: the CLI is NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(BuildReport))]
internal sealed partial class BuildReportJsonContext : JsonSerializerContext;
