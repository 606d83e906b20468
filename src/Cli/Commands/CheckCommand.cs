using System.CommandLine;
using Layer.Parser;

namespace Layer.Cli.Commands;

/// <summary>`layer check [PATH...]`: parse and check Layerfiles one by one, printing every problem.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Layerfiles, or folders to search for files named Layerfile or ending in .Layerfile (default: the current folder)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command(
            "check",
            "Check Layerfiles for syntax errors and misplaced instructions, each file on its own.\n" +
            "Prints every error as path:line:col with the offending line, and warnings too.\n" +
            "Exits 0 when no file has an error (warnings allowed), 1 otherwise.\n" +
            "Whether FROM and WAIT targets exist is a question for `layer graph`.");
        command.Arguments.Add(paths);
        command.SetAction(result => Run(result.GetValue(paths) ?? [], result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string[] paths, TextWriter output, TextWriter error)
    {
        if (paths.Length == 0) paths = ["."];
        var files = new List<string>();
        var missing = false;
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                var found = LayerfileDiscovery.Find(path, name => name == "Layerfile" || name.EndsWith(".Layerfile", StringComparison.Ordinal));
                if (found.Count == 0) error.WriteLine($"layer check: no Layerfile under {path} (looked for files named Layerfile or *.Layerfile)");
                files.AddRange(found.Select(f => Path.Combine(path, f)));
            }
            else
            {
                error.WriteLine($"layer check: {path}: no such file or folder");
                missing = true;
            }
        }

        int errors = 0, warnings = 0, failed = 0;
        foreach (var file in files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"layer check: cannot read {file}: {e.Message}");
                missing = true;
                continue;
            }

            var result = LayerfileParser.Parse(text, file);
            foreach (var diagnostic in result.Diagnostics)
            {
                output.WriteLine(DiagnosticFormatter.Format(diagnostic, text));
            }

            errors += result.Errors.Count();
            warnings += result.Diagnostics.Count(d => d.Severity == Severity.Warning);
            if (result.HasErrors) failed++;
        }

        output.WriteLine($"checked {Plural(files.Count, "Layerfile")}: {Plural(errors, "error")} in {Plural(failed, "file")}, {Plural(warnings, "warning")}");
        return errors > 0 || missing || files.Count == 0 ? 1 : 0;
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
