namespace Layer.Vm.Machines;

/// <summary>
/// The guest did not come up, died, or its agent link broke. Carries the last lines of its serial
/// console, which usually say why (a kernel panic, an init failure, an OOM kill).
/// </summary>
public sealed class GuestFailedException : Exception
{
    public GuestFailedException(string machine, string what, IReadOnlyList<string> consoleTail, Exception? inner = null)
        : base(Format(machine, what, consoleTail), inner)
    {
        Machine = machine;
        ConsoleTail = consoleTail;
    }

    public string Machine { get; }

    public IReadOnlyList<string> ConsoleTail { get; }

    private static string Format(string machine, string what, IReadOnlyList<string> consoleTail) =>
        consoleTail.Count == 0
            ? $"{machine}: {what} (the guest console was empty)"
            : $"{machine}: {what}; last guest console lines:\n  " + string.Join("\n  ", consoleTail);
}
