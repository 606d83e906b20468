using System.Text;

namespace Layer.Parser;

/// <summary>
/// What the shell's quoting makes of a command, in one pass: which blanks only separate words, and how
/// deep quotes and substitutions nest. Outside quotes a run of blanks only separates words; inside '...'
/// and "..." (including command substitutions nested in double quotes) every character is kept.
/// Backslash escapes are taken as pairs.
/// </summary>
internal static class ShellText
{
    /// <summary>
    /// Folds whitespace in a shell command where the shell cannot tell the difference, so that re-wrapping
    /// a RUN over continuation lines leaves its canonical form unchanged while any edit inside quotes
    /// changes it. When the quoting does not balance, the text is returned as it is: exact is always safe.
    /// </summary>
    public static string Normalize(string command)
    {
        var output = new StringBuilder(command.Length);
        var scanner = new Scanner();
        var pendingSpace = false;
        var i = 0;
        while (i < command.Length)
        {
            if (scanner.FoldsBlanks && command[i] is ' ' or '\t')
            {
                pendingSpace = output.Length > 0;
                i++;
                continue;
            }

            if (pendingSpace)
            {
                output.Append(' ');
                pendingSpace = false;
            }

            var next = scanner.Step(command, i);
            output.Append(command, i, next - i);
            i = next;
        }

        return scanner.Balanced ? output.ToString() : command.Trim(' ', '\t');
    }

    /// <summary>The offset of the first quote, backtick, <c>$(</c> or parenthesis that opens more than <paramref name="max"/> at once, or -1.</summary>
    public static int NestingExceeded(string text, int max)
    {
        var scanner = new Scanner();
        var i = 0;
        while (i < text.Length)
        {
            var next = scanner.Step(text, i);
            if (scanner.Open > max) return i;
            i = next;
        }

        return -1;
    }

    /// <summary>Where the outermost quote, backtick or <c>$(</c> still open at the end of the text starts, or -1.</summary>
    public static int UnclosedAt(string text)
    {
        var scanner = new Scanner();
        var start = -1;
        var i = 0;
        while (i < text.Length)
        {
            var wasOpen = scanner.Open > 0;
            var next = scanner.Step(text, i);
            if (!wasOpen && scanner.Open > 0) start = i;
            i = next;
        }

        return scanner.Open > 0 ? start : -1;
    }

    private enum Context
    {
        Unquoted,
        Single,
        Double,
        Substitution,
        Backtick,
    }

    /// <summary>The quoting state, advanced one unit (a character, a backslash pair or <c>$(</c>) at a time.</summary>
    private sealed class Scanner
    {
        private readonly Stack<(Context Context, int Depth)> stack = new();
        private Context context = Context.Unquoted;

        // Parentheses open inside the current substitution.
        private int depth;

        // Double-quote contexts saved on the stack: counted so that "inside double quotes" costs nothing
        // to ask, which keeps a scan of deeply nested text linear.
        private int doublesBelow;

        /// <summary>Everything open now: each saved context, the current one, and the parentheses of every substitution.</summary>
        public int Open { get; private set; }

        /// <summary>Blanks separate words here (unquoted, or in a substitution or backticks not inside double quotes).</summary>
        public bool FoldsBlanks => context is Context.Unquoted || (context is Context.Substitution or Context.Backtick && doublesBelow == 0);

        public bool Balanced => context == Context.Unquoted && stack.Count == 0;

        /// <summary>Takes the unit at <paramref name="i"/> and returns the offset after it.</summary>
        public int Step(string text, int i)
        {
            var c = text[i];
            if (context == Context.Single)
            {
                if (c == '\'') Pop();
                return i + 1;
            }

            if (c == '\\' && i + 1 < text.Length) return i + 2;
            switch (c)
            {
                case '\'' when context != Context.Double:
                    Push(Context.Single);
                    break;
                case '"' when context == Context.Double:
                    Pop();
                    break;
                case '"':
                    Push(Context.Double);
                    break;
                case '`' when context == Context.Backtick:
                    Pop();
                    break;
                case '`':
                    Push(Context.Backtick);
                    break;
                case '$' when i + 1 < text.Length && text[i + 1] == '(':
                    Push(Context.Substitution);
                    return i + 2;
                case '(' when context == Context.Substitution:
                    depth++;
                    Open++;
                    break;
                case ')' when context == Context.Substitution:
                    if (depth == 0)
                    {
                        Pop();
                    }
                    else
                    {
                        depth--;
                        Open--;
                    }

                    break;
            }

            return i + 1;
        }

        private void Push(Context next)
        {
            stack.Push((context, depth));
            if (context == Context.Double) doublesBelow++;
            (context, depth) = (next, 0);
            Open++;
        }

        private void Pop()
        {
            (context, depth) = stack.Pop();
            if (context == Context.Double) doublesBelow--;
            Open--;
        }
    }
}
