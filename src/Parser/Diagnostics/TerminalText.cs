using System.Buffers;
using System.Globalization;
using System.Text;

namespace Layer.Parser;

/// <summary>
/// Text from a Layerfile (or its file name) made safe to print on a terminal. Escape sequences in it
/// could clear the screen, rewrite the line above, set the window title or worse, so every C0 control but
/// tab and line feed, DEL and every C1 control (U+0080-U+009F: some terminals take U+009B as CSI) is
/// written as <c>\xHH</c>: ESC is <c>\x1b</c>, NUL <c>\x00</c>, CR <c>\x0d</c>. That form is ASCII, exists
/// for every code (C1 has no Unicode pictures, unlike U+241B for ESC) and says which code it was. A
/// backslash is not doubled, so a Layerfile that spells <c>\x1b</c> looks the same as one holding ESC:
/// what matters is that nothing the file holds acts on the terminal.
/// </summary>
public static class TerminalText
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0xA0).Select(c => (char)c).Where(IsControl)));

    public static string Escape(string text)
    {
        if (!text.AsSpan().ContainsAny(Controls)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsControl(c)) escaped.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>How many characters <paramref name="c"/> takes once escaped.</summary>
    internal static int Width(char c) => IsControl(c) ? 4 : 1;

    private static bool IsControl(char c) => c is (< ' ' and not ('\t' or '\n')) or (>= '\x7f' and <= '\x9f');
}
