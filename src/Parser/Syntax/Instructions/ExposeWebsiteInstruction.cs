namespace Layer.Parser;

/// <summary>
/// <c>EXPOSE WEBSITE target [path] [rewrite path]</c>: serve the web server at <see cref="Target"/>
/// (<c>localhost:8000</c>, <c>http://localhost:80</c>) under <see cref="Path"/>, rewriting that prefix to
/// <see cref="RewritePath"/>.
/// </summary>
public sealed record ExposeWebsiteInstruction(SourceSpan Span, Argument Target, Argument? Path, Argument? RewritePath) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.ExposeWebsite;

    protected override IEnumerable<string> CanonicalArguments() =>
        new[] { Target, Path, RewritePath }.OfType<Argument>().Select(a => a.Raw);
}
