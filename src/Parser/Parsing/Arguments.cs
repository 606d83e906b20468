using System.Globalization;
using System.Text.RegularExpressions;

namespace Layer.Parser;

/// <summary>
/// Builds typed arguments from parsed pieces and checks their values (numbers, units, names, regexes),
/// adding a diagnostic at the argument's own span when one is wrong.
/// </summary>
internal static class Arguments
{
    public static IReadOnlyList<KeyValue> Pairs(LineMap map, IEnumerable<(Piece Key, Piece Value, bool DockerForm)> pairs) =>
        [.. pairs.Select(p => new KeyValue(p.Key.Value, map.Argument(p.Value), map.Span(p.Key.Start, p.Value.End)) { DockerForm = p.DockerForm })];

    public static IReadOnlyList<Argument> VariableNames(LineMap map, IEnumerable<Piece> names, List<Diagnostic> diagnostics)
    {
        var arguments = names.Select(map.Argument).ToList();
        foreach (var name in arguments.Where(a => !IsVariableName(a.Raw)))
        {
            // Real Layerfiles write `SECRET ENV $NAME`, and webapp.io took them: a warning, not an error.
            diagnostics.Add(Diagnostic.Warning(name.Span, $"`{name.Raw}` is not a variable name (letters, digits and _, not starting with a digit, without $)"));
        }

        return arguments;
    }

    public static SplitInstruction Split(LineMap map, bool unordered, Piece count, List<Diagnostic> diagnostics)
    {
        var argument = map.Argument(count);
        var digits = argument.Raw.All(char.IsAsciiDigit);
        if (!digits || !int.TryParse(argument.Raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
        {
            diagnostics.Add(Diagnostic.Error(
                argument.Span,
                digits && argument.Raw.Length < 10 ? "SPLIT needs at least 1 copy" : $"`{argument.Raw}` is not a number of copies (a whole number from 1)",
                ["a positive whole number"]));
            n = 0;
        }
        else if (n > Limits.MaxSplit)
        {
            diagnostics.Add(Diagnostic.Error(argument.Span, $"SPLIT {n}: at most {Limits.MaxSplit} copies (each is a VM)", [$"1 to {Limits.MaxSplit}"]));
            n = 0;
        }

        return new SplitInstruction(map.Whole, unordered, n, argument);
    }

    public static MemoryInstruction Memory(LineMap map, Piece amount, List<Diagnostic> diagnostics)
    {
        var argument = map.Argument(amount);
        var text = argument.Raw;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        var unit = text[digits..];
        long bytes = 0;
        if (digits == 0)
        {
            diagnostics.Add(Diagnostic.Error(argument.Span, $"`{text}` is not an amount of memory; write a whole number and a unit, such as 2G", ["a whole number"]));
        }
        else if (unit is not ("K" or "M" or "G"))
        {
            var unitSpan = map.Span(amount.Start + digits, amount.End);
            diagnostics.Add(Diagnostic.Error(
                unitSpan,
                unit.Length == 0 ? $"MEMORY needs a unit: {text}K, {text}M or {text}G" : $"`{unit}` is not a memory unit; use K, M or G (powers of 1024)",
                ["K", "M", "G"]));
        }
        else if (!long.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                 || number > long.MaxValue >> 30)
        {
            diagnostics.Add(Diagnostic.Error(argument.Span, $"`{text}` is more memory than any machine has", []));
        }
        else
        {
            bytes = number << (unit switch { "K" => 10, "M" => 20, _ => 30 });
        }

        return new MemoryInstruction(map.Whole, bytes, argument);
    }

    public static IReadOnlyList<SkipCondition> Conditions(
        LineMap map,
        IEnumerable<(Piece Variable, Pidgin.Maybe<(SkipOperator Operator, Piece Value)> Comparison)> conditions,
        List<Diagnostic> diagnostics)
    {
        var result = new List<SkipCondition>();
        foreach (var (variable, comparison) in conditions)
        {
            if (!comparison.HasValue)
            {
                var span = map.Span(variable.Start, variable.End);
                diagnostics.Add(Diagnostic.Warning(span, $"condition `{variable.Value}` compares nothing (write VARIABLE=value, !=, =~ or !=~); it never holds"));
                result.Add(new SkipCondition(variable.Value, SkipOperator.None, null, span));
                continue;
            }

            var (op, piece) = comparison.Value;
            var value = map.Argument(piece);
            if (op is SkipOperator.Matches or SkipOperator.NotMatches)
            {
                CheckRegex(value, diagnostics);
            }

            result.Add(new SkipCondition(variable.Value, op, value, map.Span(variable.Start, piece.End)));
        }

        return result;
    }

    public static ExposeWebsiteInstruction ExposeWebsite(LineMap map, Piece target, Pidgin.Maybe<Piece> path, Pidgin.Maybe<Piece> rewrite, List<Diagnostic> diagnostics)
    {
        var targetArgument = map.Argument(target);
        if (!WebsiteTarget.IsMatch(targetArgument.Value))
        {
            diagnostics.Add(Diagnostic.Error(targetArgument.Span, $"`{targetArgument.Raw}` is not a web server address; write host:port or http(s)://host[:port], such as localhost:8080", ["a web server address"]));
        }

        var pathArgument = path.HasValue ? map.Argument(path.Value) : null;
        var rewriteArgument = rewrite.HasValue ? map.Argument(rewrite.Value) : null;
        foreach (var p in new[] { pathArgument, rewriteArgument }.OfType<Argument>().Where(p => !p.Value.StartsWith('/')))
        {
            diagnostics.Add(Diagnostic.Error(p.Span, $"`{p.Raw}` is not a URL path; it starts with /", ["a path starting with /"]));
        }

        return new ExposeWebsiteInstruction(map.Whole, targetArgument, pathArgument, rewriteArgument);
    }

    /// <summary>
    /// A CLONE, with its repository and DEFAULT branch checked: both reach the host's git as arguments
    /// (a Layerfile is untrusted input, and git runs as root on a CI host), so a value git could read as an
    /// option (a leading <c>-</c>: <c>--upload-pack=cmd</c> runs cmd), git's remote-helper syntax
    /// (<c>ext::cmd</c> runs cmd) or a control character is an error here, before anything runs.
    /// Which transports a build may use is decided again where git is started.
    /// </summary>
    public static CloneInstruction Clone(LineMap map, Piece repository, Argument? branch, List<Argument> paths, List<Diagnostic> diagnostics)
    {
        var url = map.Argument(repository);
        if (RepositoryProblem(url.Value) is { } problem)
        {
            diagnostics.Add(Diagnostic.Error(url.Span, $"`{url.Raw}` {problem}", ["a repository URL"]));
        }

        if (branch is not null)
        {
            if (branch.Value.StartsWith('-') || branch.Value.Any(char.IsControl))
            {
                diagnostics.Add(Diagnostic.Error(branch.Span, $"`{branch.Raw}` is not a branch name: it starts with '-' or holds a control character", ["a branch name"]));
            }
            else if (!IsBranchName(branch.Value))
            {
                // webapp.io took such lines (its own tests write DEFAULT='hello world'); no branch can match it.
                diagnostics.Add(Diagnostic.Warning(branch.Span, $"`{branch.Raw}` is not a name git allows for a branch, so DEFAULT can never match one"));
            }
        }

        return new CloneInstruction(map.Whole, url, branch, paths[..^1], paths[^1]);
    }

    /// <summary>Why git must not be handed <paramref name="url"/>, or null.</summary>
    private static string? RepositoryProblem(string url)
    {
        if (url.StartsWith('-')) return "starts with '-', which git would take as an option; write the repository's URL (https://..., ssh://..., git@host:path)";
        if (url.Any(char.IsControl)) return "holds a control character; a repository URL has none";
        var transport = url.IndexOf("::", StringComparison.Ordinal);
        if (transport > 0 && url[..transport].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            return $"uses git's remote-helper syntax ({url[..transport]}::), which can run commands on the host; write an https://, ssh:// or git:// URL";
        }

        return null;
    }

    /// <summary>git's rules for a branch name (git check-ref-format --branch).</summary>
    private static bool IsBranchName(string name) =>
        name.Length > 0 && name != "@"
        && !name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')
        && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("@{", StringComparison.Ordinal)
        && !name.EndsWith('.') && name.Split('/').All(part => part.Length > 0 && part[0] != '.' && !part.EndsWith(".lock", StringComparison.Ordinal));

    public static IReadOnlyList<Argument> Ports(LineMap map, IEnumerable<Piece> ports, List<Diagnostic> diagnostics)
    {
        var arguments = ports.Select(map.Argument).ToList();
        foreach (var port in arguments)
        {
            var number = port.Value[(port.Value.LastIndexOf(':') + 1)..];
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
            {
                diagnostics.Add(Diagnostic.Error(port.Span, $"`{port.Raw}` is not a TCP port (1 to 65535, optionally host:port)", ["a port"]));
            }
        }

        return arguments;
    }

    private static void CheckRegex(Argument value, List<Diagnostic> diagnostics)
    {
        try
        {
            _ = new Regex(value.Value, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (RegexParseException e) when (e.Error == RegexParseError.ReversedCharacterRange)
        {
            // Seen in real Layerfiles: `=~ ^([skip-deploy]|[skip-tests])$`, where the brackets were meant
            // literally. No regex engine accepts it, but webapp.io took the file, so it stays a warning.
            diagnostics.Add(Diagnostic.Warning(value.Span, $"regular expression `{value.Value}` has a reversed character range ({e.Message}); escape [ and ] with \\ to match them literally"));
        }
        catch (ArgumentException e)
        {
            diagnostics.Add(Diagnostic.Error(value.Span, $"`{value.Value}` is not a valid regular expression: {e.Message}", ["a regular expression"]));
        }
    }

    private static bool IsVariableName(string text) =>
        text.Length > 0 && (char.IsAsciiLetter(text[0]) || text[0] == '_') && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static readonly Regex WebsiteTarget = new(@"^((https?://)?[^\s/:]+(:\d{1,5})?/?|\d{1,5})$", RegexOptions.CultureInvariant);
}
