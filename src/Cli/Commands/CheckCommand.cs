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
            "Check Layerfiles for everything `layer run` would refuse before booting a machine: syntax errors,\n" +
            "misplaced instructions, a FROM that names nothing here (through the FROM chain), a COPY from\n" +
            "outside the repository, a CLONE this host does not allow, more MEMORY than the host has.\n" +
            "Prints every error as path:line:col with the offending line, and warnings too.\n" +
            "Exits 0 when every file was read and none has an error (warnings allowed), 1 otherwise;\n" +
            "a path that is not a readable regular file (a FIFO, a device, a dangling link) is one line on stderr.\n" +
            "FROM github/... bases are not fetched: they are checked when built.");
        command.Arguments.Add(paths);
        command.SetAction(result => Run(result.GetValue(paths) ?? [], result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string[] paths, TextWriter output, TextWriter error)
    {
        if (paths.Length == 0) paths = ["."];
        // Each file, and the folder it was found in: a Layerfile found by searching must not lead outside it.
        var files = new List<(string Path, string? Within)>();
        var missing = false;
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = LayerfileDiscovery.Find(path, name => name == "Layerfile" || name.EndsWith(".Layerfile", StringComparison.Ordinal));
                if (found.Count == 0)
                {
                    error.WriteLine($"layer check: no Layerfile under {TerminalText.Escape(path)} (looked for files named Layerfile or *.Layerfile)");
                    missing = true;
                }

                files.AddRange(found.Select(f => (Path.Combine(path, f), (string?)path)));
            }
            else
            {
                files.Add((path, null));
            }
        }

        int read = 0, unreadable = 0, errors = 0, warnings = 0, failed = 0;
        foreach (var (file, within) in files)
        {
            Layer.Parser.ParseResult result;
            try
            {
                result = LayerfileReader.Parse(file, file, within);
            }
            catch (LayerfileReadException e)
            {
                error.WriteLine($"layer check: {TerminalText.Escape(e.Message)}");
                unreadable++;
                continue;
            }

            read++;
            foreach (var diagnostic in result.Diagnostics)
            {
                output.WriteLine(DiagnosticFormatter.Format(diagnostic, result.Source));
            }

            errors += result.Errors.Count();
            warnings += result.Diagnostics.Count(d => d.Severity == Severity.Warning);
            if (result.HasErrors)
            {
                failed++;
                continue;
            }

            // What `layer run` would still refuse before booting: plan, graph and host-policy errors.
            var problems = Layer.Engine.Running.Preflight.Check(file, Environment.GetEnvironmentVariable, display: file);
            foreach (var problem in problems) output.WriteLine(problem);
            errors += problems.Count;
            if (problems.Count > 0) failed++;
        }

        // The count says what was checked; a path that could not be read was said on stderr, and is no "0 errors".
        if (read > 0)
        {
            var notRead = unreadable > 0 ? $"; {Plural(unreadable, "path")} could not be read" : "";
            output.WriteLine($"checked {Plural(read, "Layerfile")}: {Plural(errors, "error")} in {Plural(failed, "file")}, {Plural(warnings, "warning")}{notRead}");
        }

        return errors > 0 || unreadable > 0 || missing || read == 0 ? 1 : 0;
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
