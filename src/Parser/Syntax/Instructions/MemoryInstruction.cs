namespace Layer.Parser;

/// <summary><c>MEMORY n(K|M|G)</c>: memory of the VM, in <see cref="Bytes"/> (K = 1024).</summary>
public sealed record MemoryInstruction(SourceSpan Span, long Bytes, Argument Amount) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Memory;

    protected override IEnumerable<string> CanonicalArguments() => [Amount.Raw];
}
