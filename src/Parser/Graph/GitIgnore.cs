using System.Text;
using System.Text.RegularExpressions;

namespace Layer.Parser;

/// <summary>
/// The part of gitignore that decides what discovery skips. Supported: one <c>.gitignore</c> per folder
/// (rules apply below the folder that holds them, deeper files after shallower ones), the repository's
/// <c>.git/info/exclude</c>, comments, <c>!</c> negation, a trailing <c>/</c> for folders only, patterns
/// with a <c>/</c> anchored to their file's folder, others matched against the name at any depth, and the
/// globs <c>*</c>, <c>?</c>, <c>[...]</c>, <c>**</c>. The last matching rule wins, and nothing inside an
/// ignored folder is looked at (as git does). Not supported: the global core.excludesFile and
/// escaped trailing spaces.
/// </summary>
internal sealed class GitIgnore
{
    private readonly List<Rule> rules;

    private GitIgnore(List<Rule> rules) => this.rules = rules;

    public static GitIgnore Empty { get; } = new([]);

    /// <summary>These rules plus those of <paramref name="file"/>, whose patterns are relative to <paramref name="folder"/> (repository-relative, "" for the root).</summary>
    public GitIgnore With(string file, string folder)
    {
        if (!File.Exists(file)) return this;
        var added = File.ReadAllLines(file).Select(line => Rule.Parse(line, folder)).OfType<Rule>().ToList();
        return added.Count == 0 ? this : new GitIgnore([.. rules, .. added]);
    }

    /// <summary>Whether the repository-relative <paramref name="path"/> (with '/') is ignored.</summary>
    public bool IsIgnored(string path, bool isFolder)
    {
        var ignored = false;
        foreach (var rule in rules)
        {
            if (rule.Matches(path, isFolder)) ignored = !rule.Negated;
        }

        return ignored;
    }

    private sealed record Rule(Regex Pattern, string Folder, bool Negated, bool FoldersOnly, bool Anchored)
    {
        public static Rule? Parse(string line, string folder)
        {
            line = line.TrimEnd('\r').TrimEnd(' ');
            if (line.Length == 0 || line[0] == '#') return null;
            var negated = line[0] == '!';
            if (negated) line = line[1..];
            if (line.StartsWith("\\#", StringComparison.Ordinal) || line.StartsWith("\\!", StringComparison.Ordinal)) line = line[1..];
            var foldersOnly = line.EndsWith('/');
            line = line.TrimEnd('/');
            if (line.Length == 0) return null;
            var anchored = line.Contains('/');
            line = line.TrimStart('/');
            return new Rule(new Regex("^" + Translate(line) + "$", RegexOptions.CultureInvariant), folder, negated, foldersOnly, anchored);
        }

        public bool Matches(string path, bool isFolder)
        {
            if (FoldersOnly && !isFolder) return false;
            string relative;
            if (Folder.Length == 0)
            {
                relative = path;
            }
            else if (path.StartsWith(Folder + "/", StringComparison.Ordinal))
            {
                relative = path[(Folder.Length + 1)..];
            }
            else
            {
                return false;
            }

            return Pattern.IsMatch(Anchored ? relative : relative[(relative.LastIndexOf('/') + 1)..]);
        }

        private static string Translate(string glob)
        {
            var regex = new StringBuilder();
            for (var i = 0; i < glob.Length; i++)
            {
                var c = glob[i];
                if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
                {
                    // `**/` any leading folders, `/**` everything inside, a lone `**` anything.
                    var slashAfter = i + 2 < glob.Length && glob[i + 2] == '/';
                    regex.Append(slashAfter ? "(.*/)?" : ".*");
                    i += slashAfter ? 2 : 1;
                }
                else if (c == '*')
                {
                    regex.Append("[^/]*");
                }
                else if (c == '?')
                {
                    regex.Append("[^/]");
                }
                else if (c == '[' && glob.IndexOf(']', i + 1) is var close && close > i + 1)
                {
                    var set = glob[(i + 1)..close];
                    regex.Append('[').Append(set[0] == '!' ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                }
                else if (c == '\\' && i + 1 < glob.Length)
                {
                    regex.Append(Regex.Escape(glob[++i].ToString()));
                }
                else
                {
                    regex.Append(Regex.Escape(c.ToString()));
                }
            }

            return regex.ToString();
        }
    }
}
