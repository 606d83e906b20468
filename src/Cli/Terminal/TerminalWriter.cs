using System.Text;

namespace Layer.Cli.Terminal;

/// <summary>
/// Everything the CLI prints goes through this writer (Program wraps stdout and stderr in it), because most
/// of it comes from a Layerfile or a guest: instruction text, file names, reasons, step output. A terminal
/// obeys control sequences, and a hostile one can retitle the window, write the clipboard (OSC 52), move the
/// cursor to forge lines, or hide text. So only these pass: printable text, line feed, tab, and colour (SGR:
/// <c>ESC [ digits ; m</c>, which our own output and many tools use). Every other control character is
/// shown as the parser's diagnostics show it (<see cref="Layer.Parser.TerminalText"/>: <c>\x1b</c>,
/// <c>\x0d</c>, <c>\u202e</c>); the rest of an escaped sequence is then plain text. `layer shell` writes to
/// the terminal directly, not through this.
/// </summary>
internal sealed class TerminalWriter(Func<TextWriter> open) : TextWriter
{
    private TextWriter? _inner;

    public TerminalWriter(TextWriter inner) : this(() => inner)
    {
    }

    /// <summary>The writer underneath, made on first use: most runs never write to stderr, and making it costs startup time.</summary>
    private TextWriter inner => _inner ??= open();

    /// <summary>The longest colour sequence waited for (<c>ESC[38;2;255;255;255;48;2;255;255;255m</c> is 36).</summary>
    private const int LongestColour = 48;

    private readonly StringBuilder _pending = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>
    /// A writer on standard output or error (file descriptor 1 or 2) for use from several threads, opened when
    /// first written to. It writes through after each string (a prompt shows before its answer is read) and
    /// after each line written a character at a time: one system call per write, not per character.
    /// </summary>
    public static TextWriter OnStandard(bool error) => Synchronized(new TerminalWriter(() =>
        new StreamWriter(error ? Console.OpenStandardError() : Console.OpenStandardOutput(), new UTF8Encoding(false), 4096)));

    public override void Write(char value)
    {
        Put(value);
        if (value == '\n') inner.Flush();
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (var c in value) Put(c);
        inner.Flush();
    }

    public override void Write(char[] buffer, int index, int count)
    {
        for (var i = index; i < index + count; i++) Put(buffer[i]);
        inner.Flush();
    }

    public override void WriteLine(string? value)
    {
        if (value is not null) foreach (var c in value) Put(c);
        Write(NewLine);
    }

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Release();
            inner.Flush();
        }

        base.Dispose(disposing);
    }

    /// <summary>Escapes what a terminal would obey in <paramref name="text"/> (the same rules, for text kept elsewhere).</summary>
    public static string Visible(string text)
    {
        var builder = new StringWriter();
        using (var writer = new TerminalWriter(builder)) writer.Write(text);
        return builder.ToString();
    }

    private void Put(char c)
    {
        if (_pending.Length > 0)
        {
            _pending.Append(c);
            // ESC [ then parameters then 'm': colour. Anything else ends the wait: written escaped.
            if (_pending.Length == 2 ? c == '[' : c is (>= '0' and <= '9') or ';' or ':') { if (_pending.Length <= LongestColour) return; }
            else if (_pending.Length > 2 && c == 'm')
            {
                inner.Write(_pending.ToString());
                _pending.Clear();
                return;
            }

            Release();
            return;
        }

        if (c == '\x1b')
        {
            _pending.Append(c);
            return;
        }

        if (IsSafe(c)) inner.Write(c);
        else Escape(c);
    }

    /// <summary>Writes a sequence that turned out not to be colour: its ESC escaped, the rest as text.</summary>
    private void Release()
    {
        if (_pending.Length == 0) return;
        var held = _pending.ToString();
        _pending.Clear();
        Escape(held[0]);
        foreach (var c in held.AsSpan(1))
        {
            if (IsSafe(c)) inner.Write(c);
            else Escape(c);
        }
    }

    private static bool IsSafe(char c) => !Layer.Parser.TerminalText.IsUnsafe(c);

    private void Escape(char c) => inner.Write(Layer.Parser.TerminalText.Escaped(c));
}
