using System.Text;

namespace Layer.Parser;

/// <summary>
/// Folds whitespace in a shell command where the shell cannot tell the difference, so that re-wrapping a
/// RUN over continuation lines leaves its canonical form unchanged while any edit inside quotes changes it.
/// Outside quotes a run of blanks only separates words; inside '...' and "..." (including command
/// substitutions nested in double quotes) every character is kept. Backslash escapes are copied as pairs.
/// When the quoting does not balance, the text is returned as it is: exact is always safe.
/// </summary>
internal static class ShellText
{
    private enum Context
    {
        Unquoted,
        Single,
        Double,
        Substitution,
        Backtick,
    }

    public static string Normalize(string command)
    {
        var output = new StringBuilder(command.Length);
        var stack = new Stack<(Context Context, int Depth)>();
        var context = Context.Unquoted;
        var depth = 0;
        var pendingSpace = false;
        var i = 0;
        while (i < command.Length)
        {
            var c = command[i];
            var folding = context is Context.Unquoted || (context is Context.Substitution or Context.Backtick && !InsideDouble(stack));
            if (folding && c is ' ' or '\t')
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

            if (context == Context.Single)
            {
                output.Append(c);
                if (c == '\'') (context, depth) = stack.Pop();
                i++;
                continue;
            }

            if (c == '\\' && i + 1 < command.Length)
            {
                output.Append(c).Append(command[i + 1]);
                i += 2;
                continue;
            }

            output.Append(c);
            i++;
            switch (c)
            {
                case '\'' when context != Context.Double:
                    stack.Push((context, depth));
                    (context, depth) = (Context.Single, 0);
                    break;
                case '"' when context == Context.Double:
                    (context, depth) = stack.Pop();
                    break;
                case '"':
                    stack.Push((context, depth));
                    (context, depth) = (Context.Double, 0);
                    break;
                case '`' when context == Context.Backtick:
                    (context, depth) = stack.Pop();
                    break;
                case '`':
                    stack.Push((context, depth));
                    (context, depth) = (Context.Backtick, 0);
                    break;
                case '$' when i < command.Length && command[i] == '(':
                    output.Append('(');
                    i++;
                    stack.Push((context, depth));
                    (context, depth) = (Context.Substitution, 0);
                    break;
                case '(' when context == Context.Substitution:
                    depth++;
                    break;
                case ')' when context == Context.Substitution:
                    if (depth == 0) (context, depth) = stack.Pop();
                    else depth--;
                    break;
            }
        }

        return context == Context.Unquoted && stack.Count == 0 ? output.ToString() : command.Trim(' ', '\t');
    }

    private static bool InsideDouble(Stack<(Context Context, int Depth)> stack)
    {
        foreach (var (context, _) in stack)
        {
            if (context == Context.Double) return true;
        }

        return false;
    }
}
