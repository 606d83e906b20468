using System.Globalization;

namespace Layer.Parser;

/// <summary>
/// How much of a Layerfile Layer reads. Layerfiles come with pull requests, so these bound the time and
/// memory an attacker can make a check or a build spend before anything runs; the largest real
/// Layerfile we know is 3 KB with 950-character lines, far below each of them. Exceeding one is an error
/// at the place where it happens.
/// </summary>
public static class Limits
{
    /// <summary>Bytes of UTF-8 in a Layerfile (1 MiB).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Characters in one instruction, its continuation lines joined (64 Ki).</summary>
    public const int MaxInstructionLength = 1 << 16;

    /// <summary>Quotes, backticks, <c>$(</c> and parentheses inside them open at once in one instruction.</summary>
    public const int MaxNesting = 64;

    /// <summary>Copies one SPLIT may ask for: each is a job and a VM, so a larger count only plans work no host can run.</summary>
    public const int MaxSplit = 256;

    /// <summary>Problems reported for one Layerfile; past them a last error says so and the file is not read further.</summary>
    public const int MaxDiagnostics = 100;

    internal static string TooLarge =>
        $"this Layerfile is larger than 1 MiB ({MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes), the most Layer reads; "
        + "it stops being read here (keep long scripts in files of the repository and RUN them)";

    internal static string TooLong =>
        $"this instruction is longer than {MaxInstructionLength.ToString("N0", CultureInfo.InvariantCulture)} characters, the most Layer reads in one instruction; "
        + "it stops being read here (keep long scripts in files of the repository and RUN them)";

    internal static string TooDeep =>
        $"quotes, backticks, $( and parentheses nest more than {MaxNesting} deep here, the most Layer reads; simplify the command or move it into a script";

    internal static string TooMany =>
        $"more than {MaxDiagnostics} problems in this Layerfile; it is not read further (fix these and check again)";

    /// <summary>
    /// The index of the first character whose UTF-8 bytes end past <see cref="MaxBytes"/>, or -1 when the
    /// whole text fits. <paramref name="bytesBefore"/> counts bytes not in the text (a byte order mark).
    /// </summary>
    internal static int SizeExceededAt(string text, int bytesBefore)
    {
        // A text of at most MaxBytes / 3 characters cannot exceed it: a UTF-16 unit is at most 3 bytes.
        if (text.Length <= (MaxBytes - bytesBefore) / 3) return -1;
        long bytes = bytesBefore;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // A surrogate pair is 4 bytes, 2 per half; a lone surrogate would be written as U+FFFD (3).
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c) && IsPaired(text, i) ? 2 : 3;
            if (bytes > MaxBytes) return i;
        }

        return -1;
    }

    private static bool IsPaired(string text, int i) =>
        char.IsHighSurrogate(text[i]) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : i > 0 && char.IsHighSurrogate(text[i - 1]);
}
