using System.Collections.Immutable;
using System.Text;

namespace Layer.Engine.Planning;

/// <summary>
/// What a step runs with, as the instructions before it set it: variables (ENV, BUILD ENV values, the
/// standard ones), working directory, user, setup files and the names of secrets. Secret values never
/// live here: the runner reads them from the host at the moment it starts a command.
/// </summary>
public sealed record StepEnvironment(
    ImmutableSortedDictionary<string, string> Variables,
    string WorkingDirectory,
    string User,
    ImmutableArray<string> SetupFiles,
    ImmutableSortedSet<string> SecretNames)
{
    /// <summary>Which of <see cref="Variables"/> came from BUILD ENV (their values are in the key as variables).</summary>
    public ImmutableSortedSet<string> BuildEnvNames { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>
    /// Variables every RUN sees that no key holds: the standard ones that change with every commit
    /// (<see cref="StandardVariables"/>). <see cref="Variables"/> of the same name win. SKIP REMAINING IF
    /// and <c>$NAME</c> expansion see them (an ENV that copies one into a variable keys on it, by choice).
    /// </summary>
    public UnkeyedVariables Unkeyed { get; init; } = UnkeyedVariables.None;

    /// <summary>
    /// The RUN BACKGROUND commands started before this point, in order. Snapshots hold the disk only, so
    /// a machine booted on a snapshot taken after them starts them again before running anything. Not
    /// in the key: the background step's own key (through the parent chain) already covers them.
    /// </summary>
    public ImmutableArray<BackgroundCommand> Background { get; init; } = ImmutableArray<BackgroundCommand>.Empty;

    /// <summary>
    /// The CACHE folders declared so far (absolute guest paths, in order): the runner binds each to the
    /// Layerfile's cache disk before a step runs, also after booting a restored snapshot. Not in the key:
    /// what a cache holds is deliberately outside of what a step is keyed on.
    /// </summary>
    public ImmutableArray<string> CacheFolders { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>A variable's value as a step sees it: set by the Layerfile, else a standard one; null when neither.</summary>
    public string? ValueOf(string name) => Variables.TryGetValue(name, out var value) ? value : Unkeyed.ValueOf(name);

    /// <summary>Every variable a RUN gets (secrets aside).</summary>
    public IReadOnlyDictionary<string, string> RunVariables() => ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, Unkeyed.All).SetItems(Variables);

    /// <summary>
    /// Which copy of a <c>SPLIT UNORDERED</c> this is: the copies have the same variables, yet each is
    /// cached on its own, so the index goes into the key (and nowhere else).
    /// </summary>
    public int? SplitCopy { get; init; }

    /// <summary>Variables every step sees, as webapp.io sets them.</summary>
    public static StepEnvironment Initial { get; } = new(
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["HOME"] = "/root",
            ["CI"] = "true",
            ["DEBIAN_FRONTEND"] = "noninteractive",
        }),
        "/root",
        "root",
        ImmutableArray<string>.Empty,
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal));

    /// <summary>The pairs that go into a step key. Secret names are in it; their values never are.</summary>
    public IEnumerable<KeyValuePair<string, string>> KeyMaterial()
    {
        foreach (var (name, value) in Variables) yield return new("env:" + name, value);
        yield return new("workdir", WorkingDirectory);
        yield return new("user", User);
        for (var i = 0; i < SetupFiles.Length; i++) yield return new($"setup:{i}", SetupFiles[i]);
        foreach (var name in SecretNames) yield return new("secret:" + name, "");
        if (SplitCopy is { } copy) yield return new("split-copy", copy.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public StepEnvironment WithVariable(string name, string value) => this with { Variables = Variables.SetItem(name, value) };

    /// <summary>
    /// Expands <c>$NAME</c> and <c>${NAME}</c> against the variables set so far (Docker's ENV rule);
    /// an unknown name expands to nothing, <c>\$</c> is a literal dollar.
    /// </summary>
    public string Expand(string text)
    {
        if (!text.Contains('$')) return text;
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            if (c != '$' || i + 1 >= text.Length)
            {
                result.Append(c);
                continue;
            }

            string name;
            if (text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    result.Append(c);
                    continue;
                }

                name = text[(i + 2)..close];
                i = close;
            }
            else
            {
                var end = i + 1;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
                if (end == i + 1)
                {
                    result.Append(c);
                    continue;
                }

                name = text[(i + 1)..end];
                i = end - 1;
            }

            result.Append(ValueOf(name) ?? "");
        }

        return result.ToString();
    }
}

/// <summary>A RUN BACKGROUND as written (its Layerfile line and canonical text, for the output) with the environment it starts in.</summary>
public sealed record BackgroundCommand(string Layerfile, int Line, string Instruction, string Command, StepEnvironment Environment);
