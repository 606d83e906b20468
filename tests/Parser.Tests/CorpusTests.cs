namespace Layer.Parser.Tests;

/// <summary>
/// Every Layerfile of the shared corpus is accepted, except those listed in MALFORMED.txt, which are
/// rejected with their first error on the first faulty line (positions below were determined by reading
/// each file; the corpus README explains the decisions).
/// </summary>
public sealed class CorpusTests
{
    // file number -> (line, column) of the first error.
    private static readonly Dictionary<string, (int Line, int Column)> FirstFault = new()
    {
        ["005"] = (20, 1),  // `git clone ...`: a bare shell line
        ["009"] = (14, 8),  // `EXPOSE 3000`: Dockerfile EXPOSE (FROM node:14 is the graph's question)
        ["010"] = (1, 1),   // `"""`: stray text
        ["011"] = (2, 1),   // `layer from node:14`
        ["014"] = (5, 3),   // `SSSS=$(dd ...)`: shell line after `RUN |`
        ["015"] = (16, 8),  // `EXPOSE 80`
        ["019"] = (3, 8),   // `EXPOSE https://localhost:443`: WEBSITE missing
        ["020"] = (1, 1),   // `F`
        ["021"] = (17, 1),  // `-algo ...`: shell text after the last instruction
        ["022"] = (1, 1),   // `.l#This is ...`
        ["024"] = (10, 8),  // `EXPOSE 3000 7000 ...`
        ["025"] = (4, 1),   // `sudo apt-get -f install`
        ["037"] = (5, 1),   // `THEN RUN ...`
        ["042"] = (44, 5),  // `( yarn install ...`: the line before lost its backslash
        ["057"] = (1, 1),   // `From /Layerfile`
        ["061"] = (14, 1),  // `echo "$(cat .g/test.txt)"`
        ["070"] = (27, 1),  // `CMD [...]`
        ["071"] = (34, 8),  // `EXPOSE 5000`
        ["073"] = (1, 1),   // `sudo su`
        ["087"] = (10, 2),  // ` apk add doas; \`: continuation of a RUN that had ended on line 9
        ["096"] = (3, 6),   // `SKIP REMIANING IF`
        ["100"] = (13, 8),  // `EXPOSE 3003`
        ["102"] = (13, 8),  // `EXPOSE 8000`
        ["103"] = (1, 1),   // `From /Layerfile`
        ["115"] = (1, 1),   // only a newline: no FROM
        ["117"] = (2, 1),   // a second FROM
        ["118"] = (1, 1),   // YAML
        ["119"] = (22, 8),  // `EXPOSE WBESITE`
        ["134"] = (3, 8),   // `EXPOSE 80`
        ["136"] = (23, 1),  // `CMD [...]`
        ["146"] = (21, 1),  // a second FROM
    };

    [CorpusFact]
    public void EveryCorpusFileIsAcceptedOrRejectedAtItsFirstFaultyLine()
    {
        var folder = Corpus.Folder;
        Assert.True(folder is not null, "the Layerfile corpus (../shared/corpus/layerfiles beside the clone) is missing");

        var malformed = File.ReadAllLines(Path.Combine(folder, "MALFORMED.txt")).Where(l => l.Length > 0).ToHashSet();
        var files = Directory.GetFiles(folder, "*.Layerfile").OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 150, $"expected the whole corpus, found {files.Count} files");
        Assert.Equal(malformed.Count, FirstFault.Count);

        var failures = new List<string>();
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var result = LayerfileParser.Parse(File.ReadAllText(file), name);
            var errors = result.Errors.ToList();
            if (!malformed.Contains(name))
            {
                if (errors.Count > 0) failures.Add($"{name} should be accepted: {string.Join("; ", errors)}");
                continue;
            }

            var expected = FirstFault[name[..3]];
            if (errors.Count == 0)
            {
                failures.Add($"{name} should be rejected at {expected}");
            }
            else if ((errors[0].Span.Line, errors[0].Span.Column) != expected)
            {
                failures.Add($"{name} first error should be at {expected}: {errors[0]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
