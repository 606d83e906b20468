namespace Layer.Parser.Tests;

/// <summary>Finds ../shared/corpus/layerfiles beside the repository clone (CI lays shared/ there).</summary>
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
                    var corpus = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpus", "layerfiles"));
                    return Directory.Exists(corpus) ? corpus : null;
                }
            }

            return null;
        }
    }
}
