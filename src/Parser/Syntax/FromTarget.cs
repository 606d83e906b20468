namespace Layer.Parser;

/// <summary>What a FROM names, decided by its spelling alone (whether it exists is the graph's question).</summary>
public enum FromTargetKind
{
    /// <summary><c>vm/NAME[:TAG]</c>: a base VM image.</summary>
    BaseImage,

    /// <summary><c>/dir</c> (from the repository root), <c>../dir</c>, <c>dir/Layerfile</c>: another Layerfile here.</summary>
    Layerfile,

    /// <summary><c>github/OWNER/REPO[/path][@commit]</c>: a Layerfile in another repository.</summary>
    GitHub,

    /// <summary>
    /// <c>NAME:TAG</c> without <c>vm/</c> (<c>ubuntu:18.04</c>, <c>webapp.io/node:16</c>): an image name of
    /// webapp.io's shared library or Docker's. Accepted by the syntax; the graph reports it.
    /// </summary>
    ImageName,
}

/// <summary>The target of a FROM, classified, with the parts each kind has.</summary>
public sealed record FromTarget(FromTargetKind Kind, Argument Argument)
{
    /// <summary>Base image name (<c>ubuntu</c> in <c>vm/ubuntu:18.04</c>), or the image name of <see cref="FromTargetKind.ImageName"/>.</summary>
    public string? ImageName { get; init; }

    /// <summary>Image tag (<c>18.04</c>), null when none is written.</summary>
    public string? ImageTag { get; init; }

    /// <summary>For <see cref="FromTargetKind.GitHub"/>: owner, repository, path of the Layerfile inside it (may be empty) and commit (null when not pinned).</summary>
    public string? Owner { get; init; }

    public string? Repository { get; init; }

    public string? PathInRepository { get; init; }

    public string? Commit { get; init; }

    internal static FromTarget Classify(Argument argument)
    {
        var text = argument.Value;
        if (text.StartsWith("vm/", StringComparison.Ordinal))
        {
            var (name, tag) = SplitTag(text["vm/".Length..]);
            return new FromTarget(FromTargetKind.BaseImage, argument) { ImageName = name, ImageTag = tag };
        }

        if (text.StartsWith("github/", StringComparison.Ordinal))
        {
            var rest = text["github/".Length..];
            string? commit = null;
            var at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                commit = rest[(at + 1)..];
                rest = rest[..at];
            }

            var parts = rest.Split('/', 3);
            return new FromTarget(FromTargetKind.GitHub, argument)
            {
                Owner = parts[0],
                Repository = parts.Length > 1 ? parts[1] : "",
                PathInRepository = parts.Length > 2 ? parts[2] : "",
                Commit = commit,
            };
        }

        // A path has no colon (`FROM ../base`, `FROM /Layerfile`, `FROM alpine`); a colon outside a path
        // that starts with / or . means an image reference such as `ubuntu:18.04`.
        if (text.StartsWith('/') || text.StartsWith('.') || !text.Contains(':'))
        {
            return new FromTarget(FromTargetKind.Layerfile, argument);
        }

        var (image, imageTag) = SplitTag(text);
        return new FromTarget(FromTargetKind.ImageName, argument) { ImageName = image, ImageTag = imageTag };
    }

    private static (string Name, string? Tag) SplitTag(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon < 0 ? (text, null) : (text[..colon], text[(colon + 1)..]);
    }
}
