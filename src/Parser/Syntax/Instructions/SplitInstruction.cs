namespace Layer.Parser;

/// <summary><c>SPLIT n</c> or <c>SPLIT UNORDERED n</c>: the rest of the Layerfile runs in n copies.</summary>
public sealed record SplitInstruction(SourceSpan Span, bool Unordered, int Count, Argument CountArgument) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Split;

    protected override IEnumerable<string> CanonicalArguments() =>
        Unordered ? ["UNORDERED", CountArgument.Raw] : [CountArgument.Raw];
}
