namespace Layer.Engine.Running;

/// <summary>
/// Replaces secret values in step output before it reaches the terminal. Best effort by chunk: a value
/// split across two output chunks is not caught, so secrets still must not be printed on purpose.
/// </summary>
internal sealed class SecretMask(IEnumerable<string> values)
{
    private readonly string[] _values = values.Where(v => v.Length >= 3).OrderByDescending(v => v.Length).ToArray();

    public string Apply(string text)
    {
        foreach (var value in _values)
        {
            if (text.Contains(value, StringComparison.Ordinal)) text = text.Replace(value, "***", StringComparison.Ordinal);
        }

        return text;
    }
}
