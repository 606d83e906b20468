namespace Layer.Engine.Planning;

/// <summary>
/// The standard variables (<see cref="StandardVariables"/>) as a build's steps see them, read from the
/// checkout when something first asks: a RUN that starts, a SKIP REMAINING IF, a <c>$GIT_BRANCH</c>.
/// A no-change `layer run` asks nothing, so it never waits for git (four processes, a fifth of such a
/// run's time on two cores).
/// </summary>
public sealed class UnkeyedVariables
{
    private readonly Lazy<IReadOnlyDictionary<string, string>> _values;

    /// <param name="read">Reads the values; called at most once, on the first question.</param>
    public UnkeyedVariables(Func<IReadOnlyDictionary<string, string>> read) => _values = new(read);

    public static UnkeyedVariables None { get; } = Of(new Dictionary<string, string>());

    public static UnkeyedVariables Of(IReadOnlyDictionary<string, string> values) => new(() => values);

    /// <summary>The value of a standard variable; null for any other name (which reads nothing).</summary>
    public string? ValueOf(string name) => StandardVariables.Names.Contains(name) ? _values.Value.GetValueOrDefault(name) : null;

    /// <summary>All of them (reads them if not yet read).</summary>
    public IReadOnlyDictionary<string, string> All => _values.Value;
}
