using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Layer.Parser;

namespace Layer.Cli.Commands;

/// <summary>`layer graph [DIR] [--format text|dot|json]`: the Layerfiles of a repository and how they link.</summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("dir")
        {
            Description = "The repository root to search (default: the current folder)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        var format = new Option<string>("--format")
        {
            Description = "text (one block per Layerfile), dot (Graphviz: dot -Tsvg) or json",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "dot", "json");
        var command = new Command(
            "graph",
            "Find every file named Layerfile under DIR (skipping .git, node_modules and what .gitignore ignores)\n" +
            "and show how they link: FROM vm/NAME:TAG starts from a base image, FROM /path or ../path builds on\n" +
            "another Layerfile, WAIT /a /b runs after others succeeded. Targets that match no Layerfile, image\n" +
            "names without vm/, cycles and parse errors are printed to stderr, and the exit code is then 1.");
        command.Arguments.Add(folder);
        command.Options.Add(format);
        command.SetAction(result => Run(result.GetValue(folder) ?? ".", result.GetValue(format) ?? "text", result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string root, string format, TextWriter output, TextWriter error)
    {
        if (!Directory.Exists(root))
        {
            error.WriteLine($"layer graph: {TerminalText.Escape(root)}: no such folder");
            return 1;
        }

        var graph = LayerfileGraph.Discover(root);
        var problems = graph.Nodes.SelectMany(n => n.Parse.Diagnostics).Concat(graph.Diagnostics).ToList();
        // Paths and arguments are the repository's text: its control characters are shown, not sent to the terminal.
        output.Write(TerminalText.Escape(format switch
        {
            "dot" => Dot(graph),
            "json" => ParseCommand.ToJson(Json(graph, problems)) + "\n",
            _ => Text(graph),
        }));

        foreach (var problem in problems)
        {
            error.WriteLine(DiagnosticFormatter.Format(problem, graph.Find(problem.Span.File)?.Parse.Source));
        }

        if (graph.Nodes.Count == 0) error.WriteLine($"layer graph: no file named Layerfile under {TerminalText.Escape(root)}");
        return graph.HasErrors ? 1 : 0;
    }

    private static string Text(LayerfileGraph graph)
    {
        var text = new StringBuilder();
        foreach (var node in graph.Nodes)
        {
            text.AppendLine(node.Path);
            if (node.Base is { Kind: not FromTargetKind.Layerfile } target)
            {
                text.AppendLine($"  base  {target.Argument.Raw}{(target.Kind == FromTargetKind.GitHub ? " (another repository)" : "")}");
            }

            foreach (var edge in graph.Edges.Where(e => e.From == node.Path))
            {
                var keyword = edge.Kind == EdgeKind.From ? "from" : "wait";
                text.AppendLine($"  {keyword}  {edge.To} (line {edge.Argument.Span.Line}: {edge.Argument.Raw})");
            }

            foreach (var split in node.Parse.Layerfile.Instructions.OfType<SplitInstruction>())
            {
                text.AppendLine($"  split {split.Count}{(split.Unordered ? " unordered" : "")} (line {split.Span.Line})");
            }
        }

        return text.ToString();
    }

    private static string Dot(LayerfileGraph graph)
    {
        var dot = new StringBuilder("digraph layerfiles {\n  rankdir=LR;\n");
        foreach (var node in graph.Nodes)
        {
            dot.AppendLine($"  {Quote(node.Path)};");
            if (node.Base is { Kind: not FromTargetKind.Layerfile } target)
            {
                dot.AppendLine($"  {Quote(target.Argument.Value)} [shape=box];");
                dot.AppendLine($"  {Quote(target.Argument.Value)} -> {Quote(node.Path)};");
            }
        }

        // Edges point the way builds flow: from the parent (or the Layerfile waited for) to the one after it.
        foreach (var edge in graph.Edges)
        {
            dot.AppendLine($"  {Quote(edge.To)} -> {Quote(edge.From)}{(edge.Kind == EdgeKind.Wait ? " [style=dashed, label=wait]" : "")};");
        }

        return dot.Append("}\n").ToString();
    }

    private static JsonObject Json(LayerfileGraph graph, IEnumerable<Diagnostic> problems) => new()
    {
        ["root"] = Path.GetFullPath(graph.Root),
        ["nodes"] = new JsonArray([.. graph.Nodes.Select(n => (JsonNode)new JsonObject
        {
            ["path"] = n.Path,
            ["base"] = n.Base is null ? null : new JsonObject
            {
                ["kind"] = n.Base.Kind.ToString(),
                ["target"] = n.Base.Argument.Value,
                ["line"] = n.Base.Argument.Span.Line,
            },
            ["errors"] = n.Parse.Errors.Count(),
        })]),
        ["edges"] = new JsonArray([.. graph.Edges.Select(e => (JsonNode)new JsonObject
        {
            ["kind"] = e.Kind == EdgeKind.From ? "from" : "wait",
            ["from"] = e.From,
            ["to"] = e.To,
            ["line"] = e.Argument.Span.Line,
            ["column"] = e.Argument.Span.Column,
        })]),
        ["diagnostics"] = ParseCommand.Diagnostics(problems),
    };

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
