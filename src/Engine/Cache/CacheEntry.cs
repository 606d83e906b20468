namespace Layer.Engine.Cache;

/// <summary>
/// One cached step: under its <see cref="Key"/>, the read set that was observed while it ran and the
/// layer its snapshot produced. Nothing secret is ever stored here: keys hold secret names only, and
/// the instruction text is the canonical form of what the Layerfile says.
/// </summary>
public sealed record CacheEntry
{
    /// <summary>A unique id of this entry (several candidates may share a key).</summary>
    public required string Id { get; init; }

    public required string Key { get; init; }

    /// <summary>The parent the key was computed on: the previous step's layer, or the base image id.</summary>
    public required string Parent { get; init; }

    /// <summary>
    /// What went into the key besides the parent (instruction texts, environment pairs), as JSON, so a
    /// later miss can say what changed. Holds secret names, never secret values.
    /// </summary>
    public string Inputs { get; init; } = "{}";

    /// <summary>The snapshot layer taken after the step ran.</summary>
    public required string LayerId { get; init; }

    /// <summary>The step's observations, encoded by <see cref="Fs.Tracking.ReadSetCodec"/> (compact, fast to decode).</summary>
    public required byte[] ReadSet { get; init; }

    public Fs.Tracking.ReadSet Observations() => Fs.Tracking.ReadSetCodec.Decode(ReadSet);

    /// <summary>The canonical instruction text(s) of the step, for <c>layer cache ls</c> and reports.</summary>
    public required string Instruction { get; init; }

    /// <summary>The Layerfile, relative to its repository, and the step's line there.</summary>
    public required string Layerfile { get; init; }

    public int Line { get; init; }

    /// <summary>How long the step took to run; what a hit saves.</summary>
    public double Seconds { get; init; }

    public DateTime Created { get; init; }

    public DateTime LastUsed { get; init; }
}
