namespace Layer.Parser;

/// <summary><c>LABEL key=value...</c>: metadata about the run (e.g. <c>display_name</c>).</summary>
public sealed record LabelInstruction(SourceSpan Span, IReadOnlyList<KeyValue> Pairs) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Label;

    protected override IEnumerable<string> CanonicalArguments() => Pairs.Select(p => p.Canonical);
}
