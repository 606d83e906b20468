namespace Layer.Parser;

/// <summary><c>CHECKPOINT</c>, <c>CHECKPOINT name</c> or <c>CHECKPOINT disabled</c>.</summary>
public sealed record CheckpointInstruction(SourceSpan Span, Argument? Name) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Checkpoint;

    /// <summary><c>CHECKPOINT disabled</c>: no snapshots from here on (until a plain CHECKPOINT).</summary>
    public bool Disabled => Name?.Value == "disabled";

    protected override IEnumerable<string> CanonicalArguments() => Name is null ? [] : [Name.Raw];
}
