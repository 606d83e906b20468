namespace Layer.Parser;

/// <summary>
/// <c>RUN</c>, <c>RUN BACKGROUND</c> or <c>RUN REPEATABLE</c> with a shell command. <see cref="Command"/>
/// holds the command exactly as it runs: the instruction's lines joined with each backslash-newline
/// removed (Docker's rule), comment lines inside the continuation dropped.
/// </summary>
public sealed record RunInstruction(SourceSpan Span, InstructionKind RunKind, Argument Command) : Instruction(Span)
{
    public override InstructionKind Kind => RunKind;

    /// <summary>The command with unquoted whitespace runs folded to one space (what the canonical form holds).</summary>
    public string NormalizedCommand => ShellText.Normalize(Command.Value);

    protected override IEnumerable<string> CanonicalArguments() => [NormalizedCommand];
}
