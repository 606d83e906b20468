namespace Layer.Parser;

/// <summary><c>SKIP REMAINING IF cond [AND cond]...</c>: skip the rest of the Layerfile when every condition holds.</summary>
public sealed record SkipRemainingIfInstruction(SourceSpan Span, IReadOnlyList<SkipCondition> Conditions) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.SkipRemainingIf;

    protected override IEnumerable<string> CanonicalArguments() => Conditions.SelectMany((c, i) => i == 0 ? [c.Canonical] : new[] { "AND", c.Canonical });
}
