using System.Buffers;
using System.Globalization;
using System.Text;

namespace Layer.Parser;

/// <summary>
/// Text from a Layerfile (or its file name) made safe to print on a terminal. Escape sequences in it
/// could clear the screen, rewrite the line above, set the window title or worse, so every C0 control but
/// tab and line feed, DEL and every C1 control (U+0080-U+009F: some terminals take U+009B as CSI) is
/// written as <c>\xHH</c>: ESC is <c>\x1b</c>, NUL <c>\x00</c>, CR <c>\x0d</c> (and the bidirectional
/// controls as <c>\uHHHH</c>). That form is ASCII, exists
/// for every code (C1 has no Unicode pictures, unlike U+241B for ESC) and says which code it was. A
/// backslash is not doubled, so a Layerfile that spells <c>\x1b</c> looks the same as one holding ESC:
/// what matters is that nothing the file holds acts on the terminal.
/// </summary>
public static class TerminalText
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x206A).Select(c => (char)c).Where(IsUnsafe)));

    public static string Escape(string text)
    {
        if (!text.AsSpan().ContainsAny(Controls)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsUnsafe(c)) escaped.Append(Escaped(c));
            else escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Whether a terminal would act on <paramref name="c"/> rather than show it: C0 but tab and line feed, DEL,
    /// C1, and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which make
    /// text read differently from what it is ("Trojan Source").
    /// </summary>
    public static bool IsUnsafe(char c) =>
        c is (< ' ' and not ('\t' or '\n')) or (>= '\x7f' and <= '\x9f') or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');

    /// <summary><paramref name="c"/> as it is shown: <c>\xHH</c> below U+0100, <c>\uHHHH</c> above.</summary>
    public static string Escaped(char c) => c < '\u0100'
        ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture)
        : "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);

    /// <summary>How many characters <paramref name="c"/> takes once escaped.</summary>
    internal static int Width(char c) => IsUnsafe(c) ? Escaped(c).Length : 1;
}
