namespace Layer.Parser;

/// <summary>"Did you mean" help for words the parser did not expect.</summary>
internal static class Suggestions
{
    /// <summary>The closest candidate, if close enough to be a typo (case differences are separate).</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        var upper = word.ToUpperInvariant();
        // One edit for short words, two from six letters on: REMIANING -> REMAINING, but not layer -> LABEL.
        var limit = upper.Length >= 6 ? 2 : 1;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            // Each edit changes the length by one at most: a long word is far from every keyword.
            if (Math.Abs(upper.Length - candidate.Length) > limit) continue;
            var distance = Distance(upper, candidate);
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Edit distance counting a swap of two neighbours as one edit (optimal string alignment).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>Dockerfile instructions people write in Layerfiles: what to write instead (if anything) and why.</summary>
    public static (string? Replacement, string Message)? ForDockerfileInstruction(string word) => word switch
    {
        "CMD" or "ENTRYPOINT" => ("RUN BACKGROUND", $"`{word}` is a Dockerfile instruction; a Layerfile starts long-running processes with `RUN BACKGROUND command`"),
        "ADD" => ("COPY", "`ADD` is a Dockerfile instruction; use `COPY sources... destination`"),
        "ARG" => ("BUILD ENV", "`ARG` is a Dockerfile instruction; use `BUILD ENV NAME` for values from the build's environment"),
        "VOLUME" or "HEALTHCHECK" or "ONBUILD" or "STOPSIGNAL" or "SHELL" or "MAINTAINER" =>
            (null, $"`{word}` is a Dockerfile instruction with no Layerfile equivalent; remove it"),
        "THEN" => (null, "`THEN` is not a Layerfile keyword; write each instruction on its own line without it"),
        _ => null,
    };
}
