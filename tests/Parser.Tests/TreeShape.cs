using System.Collections;
using System.Reflection;
using System.Text;

namespace Layer.Parser.Tests;

/// <summary>
/// A text rendering of an instruction's meaning for comparing trees: kind and typed values, without
/// positions and without raw spellings (an argument is its value). A RUN is its normalized command,
/// which is what its canonical form promises to keep.
/// </summary>
internal static class TreeShape
{
    public static string Of(Instruction instruction)
    {
        var text = new StringBuilder(instruction.Kind.ToString());
        if (instruction is RunInstruction run) return text.Append('(').Append(run.NormalizedCommand).Append(')').ToString();
        Append(text, instruction);
        return text.ToString();
    }

    /// <summary>Every argument in an instruction, however deeply it is held.</summary>
    public static IEnumerable<Argument> Arguments(object? value)
    {
        switch (value)
        {
            case null or string or Enum or int or long or bool or SourceSpan:
                yield break;
            case Argument argument:
                yield return argument;
                yield break;
            case IEnumerable items:
                foreach (var item in items)
                {
                    foreach (var argument in Arguments(item)) yield return argument;
                }

                yield break;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is "Canonical" or "NormalizedCommand" || property.GetIndexParameters().Length > 0) continue;
            foreach (var argument in Arguments(property.GetValue(value))) yield return argument;
        }
    }

    private static void Append(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case Argument argument:
                Append(text, argument.Value);
                return;
            case Enum or int or long or bool:
                text.Append(value);
                return;
            case IEnumerable items:
                text.Append('[');
                foreach (var item in items)
                {
                    Append(text, item);
                    text.Append(',');
                }

                text.Append(']');
                return;
        }

        text.Append('{');
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (property.PropertyType == typeof(SourceSpan) || property.Name is "Canonical" or "EqualityContract") continue;
            text.Append(property.Name).Append('=');
            Append(text, property.GetValue(value));
            text.Append(';');
        }

        text.Append('}');
    }
}
