using Layer.Parser;

namespace Layer.Engine.Sources;

/// <summary>
/// <c>FROM github/OWNER/REPO[/path]@commit</c> as a git URL and a path: the base URL is
/// https://github.com unless LAYER_GITHUB_URL names another (a mirror, or file:///folder in tests).
/// The path is the Layerfile, or a folder holding one ("" for the repository root).
/// </summary>
internal sealed record GitHubSource(string Owner, string Repository, string PathInRepository, string? Commit, string Url)
{
    public const string BaseUrlVariable = "LAYER_GITHUB_URL";
    public const string DefaultBaseUrl = "https://github.com";

    /// <summary>How the FROM wrote it, for messages and reports.</summary>
    public string Display => $"github/{Owner}/{Repository}{(PathInRepository.Length == 0 ? "" : "/" + PathInRepository)}{(Commit is null ? "" : "@" + Commit)}";

    /// <exception cref="ArgumentException">The reference lacks an owner or a repository, or has a bad part (message for the user).</exception>
    public static GitHubSource From(FromTarget target, string? baseUrl)
    {
        if (target.Kind != FromTargetKind.GitHub) throw new ArgumentException($"FROM {target.Argument.Value} is not a github/ reference");
        var owner = target.Owner ?? "";
        var repository = target.Repository ?? "";
        if (owner.Length == 0 || repository.Length == 0)
        {
            throw new ArgumentException($"FROM {target.Argument.Value}: write github/OWNER/REPO[/path]@commit (owner and repository are needed)");
        }

        if (!IsName(owner) || !IsName(repository))
        {
            throw new ArgumentException($"FROM {target.Argument.Value}: '{owner}/{repository}' is not a GitHub owner/repository name (letters, digits, '-', '_', '.')");
        }

        var path = (target.PathInRepository ?? "").Trim('/');
        if (path.Split('/').Any(p => p is ".." or "."))
        {
            throw new ArgumentException($"FROM {target.Argument.Value}: the path '{path}' must stay inside the repository (no '.' or '..')");
        }

        var commit = target.Commit;
        if (commit is not null && (commit.Length is < 4 or > 64 || !commit.All(char.IsAsciiHexDigit)))
        {
            throw new ArgumentException($"FROM {target.Argument.Value}: '@{commit}' is not a commit id (4 to 40 hex digits)");
        }

        var root = string.IsNullOrWhiteSpace(baseUrl) ? DefaultBaseUrl : baseUrl.Trim().TrimEnd('/');
        return new GitHubSource(owner, repository, path, commit?.ToLowerInvariant(), $"{root}/{owner}/{repository}");
    }

    private static bool IsName(string text) => text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && text is not ("." or "..");
}
