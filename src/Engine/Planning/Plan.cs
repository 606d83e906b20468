using Layer.Parser;

namespace Layer.Engine.Planning;

/// <summary>A COPY resolved against the repository: sources as repository-relative paths, an absolute guest target.</summary>
public sealed record CopyPaths(IReadOnlyList<string> Sources, string Destination);

/// <summary>One instruction that does something in the VM (RUN, COPY), with the environment it runs in.</summary>
public sealed record PlannedStep(Instruction Instruction, StepEnvironment Environment, CopyPaths? Copy = null)
{
    public int Line => Instruction.Span.Line;
}

/// <summary>
/// Steps that are cached together: one snapshot at the end. Each step is its own unit unless
/// <c>CHECKPOINT disabled</c> groups several until the next <c>CHECKPOINT</c> (or the end).
/// <see cref="Instructions"/> are every instruction the unit covers (ENV, WORKDIR... included), for the key.
/// </summary>
public sealed record PlannedUnit(IReadOnlyList<PlannedStep> Steps, IReadOnlyList<Instruction> Instructions, StepEnvironment Environment)
{
    public int Line => Steps[0].Line;

    /// <summary>
    /// The canonical texts that go into the unit's key, and where each COPY or CLONE resolved to: the same
    /// `COPY . /app` in two folders copies two trees, and a folder COPY reads nothing at COPY time, so only
    /// its key tells them apart.
    /// </summary>
    public IEnumerable<string> Canonical => Instructions.Select(i => i.Canonical)
        .Concat(Steps.Where(s => s.Copy is not null).Select(s => $"resolved {string.Join("\0", s.Copy!.Sources)} -> {s.Copy.Destination}"));
}

/// <summary>
/// A Layerfile turned into what the runner does: the base to start from, the units in order, and what
/// SKIP REMAINING IF cut off. Everything that does not need a VM is decided here.
/// </summary>
public sealed record Plan(
    string Layerfile,
    FromTarget From,
    int? MemoryMiB,
    IReadOnlyList<PlannedUnit> Units,
    IReadOnlyList<PlannedStep> NotRun,
    SkipRemainingIfInstruction? SkippedAt,
    StepEnvironment Final)
{
    /// <summary>The SPLIT the plan stopped at: <see cref="Planner.SplitCopy"/> plans each copy of what follows.</summary>
    public SplitInstruction? Split { get; init; }

    /// <summary>The instructions after <see cref="Split"/>.</summary>
    public IReadOnlyList<Instruction> AfterSplit { get; init; } = [];

    /// <summary>ARTIFACT paths, copied out of the guest when the Layerfile ends (also when it failed). In a plan
    /// that stops at <see cref="Split"/> they are the copies' to collect, not its own.</summary>
    public IReadOnlyList<PlannedArtifact> Artifacts { get; init; } = [];

    /// <summary>BUTTONs, each asked before the unit it precedes.</summary>
    public IReadOnlyList<PlannedButton> Buttons { get; init; } = [];

    /// <summary>EXPOSE WEBSITE and EXPOSE TCP lines, served from the final snapshot when the Layerfile succeeded.</summary>
    public IReadOnlyList<PlannedExposure> Exposures { get; init; } = [];
}
