namespace Layer.Parser;

/// <summary>
/// One instruction of a Layerfile: its kind, where it stands (from the keyword to the end of its last
/// continuation line) and its typed arguments (in the derived records).
/// </summary>
public abstract record Instruction(SourceSpan Span)
{
    public abstract InstructionKind Kind { get; }

    /// <summary>
    /// The instruction in canonical form: the keyword and the arguments as written, separated by single
    /// spaces, with comments, continuation layout and surrounding whitespace gone (RUN also folds unquoted
    /// whitespace runs inside the command, which the shell does not distinguish). The engine keys its
    /// cache on this text: a comment or re-wrapping edit leaves it unchanged, any change of meaning does not.
    /// Parsing it again yields the same instruction.
    /// </summary>
    public string Canonical => Print();

    /// <summary>The canonical text of the arguments, in order, without the keyword.</summary>
    protected abstract IEnumerable<string> CanonicalArguments();

    private string Print()
    {
        var arguments = string.Join(' ', CanonicalArguments());
        return arguments.Length == 0 ? Keywords.Of(Kind) : Keywords.Of(Kind) + " " + arguments;
    }
}
