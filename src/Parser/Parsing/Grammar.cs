using Pidgin;
using static Pidgin.Parser;
using static Pidgin.Parser<char>;

namespace Layer.Parser;

/// <summary>
/// The Layerfile grammar for one logical line (an instruction with its continuations already joined by
/// <see cref="LogicalLines"/>). One parser per production; every directive starts with its keyword, so
/// the line's first word picks the directive, and a first word that is no keyword is reported without
/// parsing (<see cref="SyntaxError.UnknownDirective"/>). Checks on argument values (numbers, units,
/// regexes) run in the builders (<see cref="Arguments"/>); rules that need the whole file run in
/// <see cref="Checker"/>.
/// </summary>
internal static class Grammar
{
    /// <summary>Parses a logical line whose first word is <paramref name="keyword"/>; null when that word starts no directive.</summary>
    public static Result<char, Build>? Parse(string logicalLine, string keyword) =>
        ByKeyword.TryGetValue(keyword, out var directive) ? directive.Parse(logicalLine) : null;

    // ---- Characters, words and arguments -------------------------------------------------------------

    private static readonly Parser<char, char> Blank = Token(c => c is ' ' or '\t');

    private static readonly Parser<char, Unit> Blanks = Blank.SkipAtLeastOnce();

    private static readonly Parser<char, Unit> OptionalBlanks = Blank.SkipMany();

    private static readonly Parser<char, Unit> WordEnd = Lookahead(Blank.IgnoreResult().Or(End));

    /// <summary>After the last argument: nothing but the end of the line.</summary>
    private static readonly Parser<char, Unit> EndOfInstruction = OptionalBlanks.Then(End).Labelled("end of instruction");

    private static readonly Parser<char, string> UnquotedPart =
        Token(c => c is not (' ' or '\t' or '"' or '\'')).AtLeastOnceString();

    // Inside double quotes a backslash escapes " and \ (as in the shell); before anything else it stays.
    private static readonly Parser<char, string> DoubleQuoted =
        Char('"')
            .Then(OneOf(
                    Char('\\').Then(Any.Labelled("a character after \\"), (_, c) => c is '"' or '\\' ? c.ToString() : "\\" + c),
                    Token(c => c is not ('"' or '\\')).AtLeastOnceString())
                .ManyString())
            .Before(Char('"').Labelled("a closing \""));

    private static readonly Parser<char, string> SingleQuoted =
        Char('\'').Then(Token(c => c != '\'').ManyString()).Before(Char('\'').Labelled("a closing '"));

    /// <summary>A word: unquoted text and quoted strings side by side, ended by a blank outside quotes.</summary>
    private static readonly Parser<char, string> WordValue = OneOf(UnquotedPart, DoubleQuoted, SingleQuoted).AtLeastOnceString();

    private static readonly Parser<char, Piece> Word = Located(WordValue);

    private static readonly Parser<char, Piece> RestOfLine = Located(Any.AtLeastOnceString());

    private static readonly Parser<char, string> Name =
        Map((first, rest) => first + rest, Token(c => char.IsAsciiLetter(c) || c == '_'), Token(c => char.IsAsciiLetterOrDigit(c) || c == '_').ManyString());

    private static readonly Parser<char, string> LabelKey = Token(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-').AtLeastOnceString();

    private static Parser<char, Piece> Located(Parser<char, string> value) =>
        Map((start, text, end) => new Piece(text, start, end), CurrentOffset, value, CurrentOffset);

    /// <summary>
    /// A blank then a word. Only the blank carries the label, so a missing argument reads "expected a
    /// path" while a failure inside the word (an unclosed quote) keeps its own expectation.
    /// </summary>
    private static Parser<char, Piece> Argument(string label) => Blanks.Labelled(label).Then(Word);

    /// <summary>A word that must be here, labelled only for its absence (see <see cref="Argument"/>).</summary>
    private static Parser<char, Piece> WordNamed(string label) => Lookahead(Token(c => c is not (' ' or '\t'))).Labelled(label).Then(Word);

    private static Parser<char, Unit> Keyword(string keyword) => Try(String(keyword).Before(WordEnd)).IgnoreResult().Labelled(keyword);

    private static Parser<char, Unit> KeywordSequence(params string[] words) =>
        words.Skip(1).Aggregate(Keyword(words[0]), (parser, word) => parser.Then(Blanks).Then(Keyword(word)));

    private static Parser<char, Build> Directive<T>(Parser<char, Unit> keyword, Parser<char, T> arguments, Func<T, Build> build) =>
        keyword.Then(arguments).Before(EndOfInstruction).Select(build);

    // ---- KEY=VALUE pairs (ENV, LABEL) --------------------------------------------------------------------

    private static Parser<char, (Piece Key, Piece Value, bool DockerForm)> Pair(Parser<char, string> key, Parser<char, string> value) =>
        Map(
            (k, v) => (k, v, false),
            Located(key),
            Char('=').Labelled("=").Then(Located(value.Or(Return("")))));

    // webapp.io's grammar (Layerfile.g4) also lets an ENV value be `command` or $(command), which keep
    // their blanks as "..." and '...' do. They stay in the value as written, backticks and $( ) included:
    // Layer runs no command to set a variable.
    private static readonly Parser<char, Unit> Escaped = Char('\\').Then(Any.Optional()).IgnoreResult();

    private static Parser<char, Unit> Enclosed(char open, char close, Parser<char, Unit> inside) =>
        Char(open).Then(inside.SkipMany()).Then(Char(close).Labelled($"a closing {close}")).IgnoreResult();

    private static readonly Parser<char, Unit> SkipDoubleQuoted = Enclosed('"', '"', OneOf(Escaped, Token(c => c is not ('"' or '\\')).SkipAtLeastOnce()));

    private static readonly Parser<char, Unit> SkipSingleQuoted = Enclosed('\'', '\'', Token(c => c != '\'').SkipAtLeastOnce());

    private static readonly Parser<char, Unit> SkipBackticked = Enclosed('`', '`', OneOf(Escaped, Token(c => c is not ('`' or '\\')).SkipAtLeastOnce()));

    /// <summary>
    /// What <c>$(</c> holds up to its <c>)</c>: quotes and backticks hold their own parentheses, others nest.
    /// Each level is a parser of its own, built for <see cref="Limits.MaxNesting"/> levels with none below,
    /// so that no input makes parsing recurse deeper (LayerfileParser reports deeper nesting where it starts).
    /// Built at the first <c>$(</c> only: its 64 levels cost a tenth of a no-change `layer run`'s start otherwise.
    /// </summary>
    private static readonly Lazy<Parser<char, Unit>> GroupBody = new(() => Enumerable.Range(0, Limits.MaxNesting).Aggregate(
        Fail<Unit>("parentheses nest too deep"),
        (deeper, _) => OneOf(
                Escaped,
                SkipDoubleQuoted,
                SkipSingleQuoted,
                SkipBackticked,
                Char('(').Then(deeper).Then(Char(')').Labelled("a closing )")).IgnoreResult(),
                Token(c => c is not ('(' or ')' or '"' or '\'' or '`' or '\\')).SkipAtLeastOnce())
            .SkipMany()));

    private static readonly Parser<char, string> Substitution =
        Try(String("$(")).Then(Rec(() => GroupBody.Value)).Then(Char(')').Labelled("a closing )")).MapWithInput((input, _) => input.ToString());

    private static readonly Parser<char, string> Backticked = SkipBackticked.MapWithInput((input, _) => input.ToString());

    private static readonly Parser<char, string> EnvUnquotedPart = OneOf(
        Token(c => c is not (' ' or '\t' or '"' or '\'' or '`' or '$')).AtLeastOnceString(),
        Try(Char('$').Before(Not(Char('(')))).Select(c => c.ToString()));

    private static readonly Parser<char, string> EnvValue = OneOf(EnvUnquotedPart, DoubleQuoted, SingleQuoted, Backticked, Substitution).AtLeastOnceString();

    private static readonly Parser<char, IEnumerable<(Piece Key, Piece Value, bool DockerForm)>> EnvPairs =
        Pair(Name, EnvValue).SeparatedAtLeastOnce(Blanks);

    /// <summary>Docker's <c>ENV KEY value with spaces</c>: one pair, the value is the rest of the line.</summary>
    private static readonly Parser<char, IEnumerable<(Piece Key, Piece Value, bool DockerForm)>> DockerEnvPair =
        Map(
            (key, value) => (IEnumerable<(Piece, Piece, bool)>)[(key, value, true)],
            Located(Name).Labelled("a variable name"),
            Blanks.Labelled("a value").Then(OneOf(Try(Word.Before(End)), RestOfLine)));

    // ---- SKIP REMAINING IF conditions --------------------------------------------------------------------

    private static readonly Parser<char, SkipOperator> Operator = OneOf(
        Try(String("!=~")).ThenReturn(SkipOperator.NotMatches),
        Try(String("!=")).ThenReturn(SkipOperator.NotEquals),
        Try(String("=~")).ThenReturn(SkipOperator.Matches),
        String("=").ThenReturn(SkipOperator.Equals)).Labelled("an operator (=, !=, =~, !=~)");

    private static readonly Parser<char, (Piece Variable, Maybe<(SkipOperator Operator, Piece Value)> Comparison)> Condition =
        Map(
            (variable, comparison) => (variable, comparison),
            Located(Token(c => c is not (' ' or '\t' or '=' or '!')).AtLeastOnceString()).Labelled("a condition such as GIT_BRANCH=main"),
            Try(OptionalBlanks.Then(Operator))
                .Then(OptionalBlanks.Then(WordNamed("a value")), (op, value) => (op, value))
                .Optional());

    private static readonly Parser<char, Unit> And = Try(Blanks.Then(Keyword("AND")).Then(Blanks));

    // ---- Directives ----------------------------------------------------------------------------------------

    private static readonly Parser<char, Build> From = Directive(
        Keyword("FROM"),
        Argument("a base image such as vm/ubuntu:18.04, or a Layerfile path"),
        target => (m, _) => new FromInstruction(m.Whole, FromTarget.Classify(m.Argument(target))));

    private static readonly Parser<char, InstructionKind> RunModifier =
        Try(Blanks.Then(OneOf(
                Keyword("BACKGROUND").ThenReturn(InstructionKind.RunBackground),
                Keyword("REPEATABLE").ThenReturn(InstructionKind.RunRepeatable))))
            .Optional()
            .Select(kind => kind.GetValueOrDefault(InstructionKind.Run));

    private static readonly Parser<char, Build> Run = Directive(
        Keyword("RUN"),
        Map((kind, command) => (kind, command), RunModifier, Blanks.Labelled("a shell command").Then(RestOfLine)),
        run => (m, _) => new RunInstruction(m.Whole, run.kind, m.Argument(run.command)));

    private static readonly Parser<char, Build> Copy = Directive(
        Keyword("COPY"),
        Map((first, rest) => rest.Prepend(first).ToList(), Argument("a source path"), Argument("a destination path").Many()),
        paths => (m, _) => paths.Count == 1
            ? new CopyInstruction(m.Whole, [m.Argument(paths[0])], null)
            : new CopyInstruction(m.Whole, [.. paths.SkipLast(1).Select(m.Argument)], m.Argument(paths[^1])));

    // `DEFAULT=branch` is told apart from paths after parsing (a word that starts with it).
    private static readonly Parser<char, Build> Clone = Directive(
        Keyword("CLONE"),
        Map((repository, items) => (repository, items: items.ToList()), Argument("a repository URL"), Argument("a destination path").AtLeastOnce())
            .Bind(c => c.items.All(IsDefault) ? Fail<(Piece repository, List<Piece> items)>("CLONE needs a destination after the repository")
                : c.items.Count(IsDefault) > 1 ? Fail<(Piece repository, List<Piece> items)>("CLONE takes one DEFAULT=branch at most")
                : Return(c)),
        clone => (m, d) =>
        {
            var paths = clone.items.Where(i => !IsDefault(i)).Select(m.Argument).ToList();
            var branch = clone.items.Where(IsDefault).Select(i => m.Argument(i with { Value = i.Value[DefaultPrefix.Length..], Start = i.Start + DefaultPrefix.Length })).FirstOrDefault();
            return Arguments.Clone(m, clone.repository, branch, paths, d);
        });

    private const string DefaultPrefix = "DEFAULT=";

    private static bool IsDefault(Piece piece) => piece.Value.StartsWith(DefaultPrefix, StringComparison.Ordinal);

    private static readonly Parser<char, Build> Env = Directive(
        Keyword("ENV"),
        Blanks.Labelled("KEY=VALUE").Then(OneOf(Try(Lookahead(Name.Then(Char('=')))).Then(EnvPairs), DockerEnvPair)),
        pairs => (m, _) => new EnvInstruction(m.Whole, Arguments.Pairs(m, pairs)));

    private static readonly Parser<char, Build> Label = Directive(
        Keyword("LABEL"),
        Blanks.Labelled("key=value").Then(Pair(LabelKey, WordValue).SeparatedAtLeastOnce(Blanks)),
        pairs => (m, _) => new LabelInstruction(m.Whole, Arguments.Pairs(m, pairs)));

    private static Parser<char, Build> NameList(InstructionKind kind, params string[] keywords) => Directive(
        KeywordSequence(keywords),
        Argument("a variable name").AtLeastOnce(),
        names => (m, d) => new ListInstruction(m.Whole, kind, Arguments.VariableNames(m, names, d)));

    private static Parser<char, Build> PathList(InstructionKind kind, string label, params string[] keywords) => Directive(
        KeywordSequence(keywords),
        Argument(label).AtLeastOnce(),
        paths => (m, _) => new ListInstruction(m.Whole, kind, [.. paths.Select(m.Argument)]));

    private static Parser<char, Build> Single(InstructionKind kind, string label, params string[] keywords) => Directive(
        KeywordSequence(keywords),
        Argument(label),
        value => (m, _) => new SingleArgumentInstruction(m.Whole, kind, m.Argument(value)));

    private static readonly Parser<char, Build> Checkpoint = Directive(
        Keyword("CHECKPOINT"),
        Argument("a checkpoint name or disabled").Optional(),
        name => (m, _) => new CheckpointInstruction(m.Whole, name.HasValue ? m.Argument(name.Value) : null));

    private static readonly Parser<char, Build> Split = Directive(
        Keyword("SPLIT"),
        Map(
            (unordered, count) => (unordered.HasValue, count),
            Try(Blanks.Then(Keyword("UNORDERED"))).Optional(),
            Argument("a number of copies")),
        split => (m, d) => Arguments.Split(m, split.HasValue, split.count, d));

    private static readonly Parser<char, Build> Memory = Directive(
        Keyword("MEMORY"),
        Argument("an amount such as 2G"),
        amount => (m, d) => Arguments.Memory(m, amount, d));

    private static readonly Parser<char, Build> SkipRemainingIf = Directive(
        KeywordSequence("SKIP", "REMAINING", "IF"),
        Blanks.Labelled("a condition such as GIT_BRANCH=main").Then(Condition.SeparatedAtLeastOnce(And)),
        conditions => (m, d) => new SkipRemainingIfInstruction(m.Whole, Arguments.Conditions(m, conditions, d)));

    private static readonly Parser<char, Build> Button = Directive(
        Keyword("BUTTON"),
        Blanks.Then(RestOfLine).Optional(),
        // The message is display text: its blanks are folded so that re-wrapping it changes nothing.
        message => (m, _) => new ButtonInstruction(m.Whole, message.HasValue ? m.Argument(message.Value) with { Value = Fold(message.Value.Value) } : null));

    private static string Fold(string text) => string.Join(' ', text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static readonly Parser<char, Build> ExposeWebsite =
        Keyword("WEBSITE").Then(Map(
                (target, path, rewrite) => (target, path, rewrite),
                Argument("a web server address such as localhost:8080"),
                Argument("a path such as /api").Optional(),
                Argument("a rewrite path such as /").Optional()))
            .Select<Build>(w => (m, d) => Arguments.ExposeWebsite(m, w.target, w.path, w.rewrite, d));

    private static readonly Parser<char, Build> ExposeTcp =
        Keyword("TCP").Then(Argument("a port").AtLeastOnce())
            .Select<Build>(ports => (m, d) => new ListInstruction(m.Whole, InstructionKind.ExposeTcp, Arguments.Ports(m, ports, d)));

    private static readonly Parser<char, Build> Expose =
        Keyword("EXPOSE").Then(Blanks).Then(OneOf(ExposeWebsite, ExposeTcp)).Before(EndOfInstruction);

    private static readonly Parser<char, Build> Artifact = Directive(
        Keyword("ARTIFACT"),
        Map(
            (visibility, paths) => (visibility, paths),
            Try(Blanks.Then(OneOf(Keyword("PUBLIC").ThenReturn(true), Keyword("PRIVATE").ThenReturn(false)))).Optional(),
            Argument("a path").AtLeastOnce()),
        a => (m, _) => new ArtifactInstruction(m.Whole, a.visibility.GetValueOrDefault(false), [.. a.paths.Select(m.Argument)]));

    /// <summary>Every directive under the keyword it starts with.</summary>
    private static readonly (string Keyword, Parser<char, Build> Parser)[] Directives =
    [
        ("FROM", From),
        ("RUN", Run),
        ("COPY", Copy),
        ("CLONE", Clone),
        ("ENV", Env),
        ("BUILD", NameList(InstructionKind.BuildEnv, "BUILD", "ENV")),
        ("SECRET", NameList(InstructionKind.SecretEnv, "SECRET", "ENV")),
        ("WORKDIR", Single(InstructionKind.Workdir, "a directory", "WORKDIR")),
        ("USER", Single(InstructionKind.User, "a user name", "USER")),
        ("CACHE", PathList(InstructionKind.Cache, "a directory to cache", "CACHE")),
        ("CHECKPOINT", Checkpoint),
        ("SPLIT", Split),
        ("WAIT", PathList(InstructionKind.Wait, "a Layerfile path", "WAIT")),
        ("MEMORY", Memory),
        // One or more files, sourced in order (webapp.io's grammar).
        ("SETUP", PathList(InstructionKind.SetupFile, "a file", "SETUP", "FILE")),
        ("SKIP", SkipRemainingIf),
        ("LABEL", Label),
        ("BUTTON", Button),
        ("EXPOSE", Expose),
        ("ARTIFACT", Artifact),
    ];

    internal static readonly string[] LeadingKeywords = [.. Directives.Select(d => d.Keyword)];

    // Each directive starts with its keyword followed by a blank or the end, so the first word alone
    // decides which one can match; trying twenty in turn would only find the same, many times slower.
    private static readonly Dictionary<string, Parser<char, Build>> ByKeyword = Directives.ToDictionary(d => d.Keyword, d => d.Parser, StringComparer.Ordinal);
}
