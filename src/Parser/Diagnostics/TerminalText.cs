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
    // Spelled out rather than found by testing every char up to U+2069: this runs in every `layer` process.
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        "\0\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f" +
        "\x7f\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f" +
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069");

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
