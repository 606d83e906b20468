namespace Layer.Parser;

/// <summary>
/// <c>BUTTON [message]</c>: wait for a person to press a button before going on. The message's
/// <see cref="Argument.Value"/> has its blanks folded to single spaces.
/// </summary>
public sealed record ButtonInstruction(SourceSpan Span, Argument? Message) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Button;

    protected override IEnumerable<string> CanonicalArguments() => Message is null ? [] : [Message.Value];
}
