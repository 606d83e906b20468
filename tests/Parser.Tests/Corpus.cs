namespace Layer.Parser.Tests;

/// <summary>
/// Finds the shared Layerfile corpus: ../shared/corpus/layerfiles beside the repository clone (CI lays
/// shared/ there), or beside the main clone when the tests run in a git worktree of it.
/// </summary>
internal static class Corpus
{
    public static string? Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Layerfile.sln")))
                {
                    return Beside(dir.FullName) ?? (MainClone(dir.FullName) is { } main ? Beside(main) : null);
                }
            }

            return null;
        }
    }

    private static string? Beside(string clone)
    {
        var corpus = Path.GetFullPath(Path.Combine(clone, "..", "shared", "corpus", "layerfiles"));
        return Directory.Exists(corpus) ? corpus : null;
    }

    /// <summary>A worktree's .git is a file naming its folder in the main clone's .git, whose commondir leads back to it.</summary>
    private static string? MainClone(string worktree)
    {
        var dotGit = Path.Combine(worktree, ".git");
        if (!File.Exists(dotGit)) return null;
        var line = File.ReadAllText(dotGit).Trim();
        if (!line.StartsWith("gitdir: ", StringComparison.Ordinal)) return null;
        var gitDir = Path.GetFullPath(line["gitdir: ".Length..], worktree);
        var commonFile = Path.Combine(gitDir, "commondir");
        if (!File.Exists(commonFile)) return null;
        var common = Path.GetFullPath(File.ReadAllText(commonFile).Trim(), gitDir);
        return Path.GetDirectoryName(common.TrimEnd('/'));
    }
}

/// <summary>
/// A test that reads the shared corpus. Outside CI it skips, saying why, when the corpus is not there;
/// in CI it always runs, so a missing corpus fails instead of passing unseen.
/// </summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (!HostFactAttribute.IsCi && Corpus.Folder is null) Skip = CorpusTheoryAttribute.Missing;
    }
}

/// <summary>The same rule for theories.</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    internal const string Missing = "needs the Layerfile corpus in ../shared/corpus/layerfiles beside the clone (CI has it)";

    public CorpusTheoryAttribute()
    {
        if (!HostFactAttribute.IsCi && Corpus.Folder is null) Skip = Missing;
    }
}
