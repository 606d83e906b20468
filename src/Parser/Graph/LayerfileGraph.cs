namespace Layer.Parser;

/// <summary>One discovered Layerfile: its repository-relative path (with '/') and its parse.</summary>
public sealed record LayerfileNode(string Path, ParseResult Parse)
{
    /// <summary>What the FROM names, or null when the file has none (an error of its own).</summary>
    public FromTarget? Base => Parse.Layerfile.From?.Target;
}

public enum EdgeKind
{
    /// <summary>The Layerfile builds on the target's final state (<c>FROM /path</c>).</summary>
    From,

    /// <summary>The Layerfile runs after the target succeeded (<c>WAIT /path</c>).</summary>
    Wait,
}

/// <summary>A link from one Layerfile (<see cref="From"/>) to another (<see cref="To"/>), written at <see cref="Argument"/>.</summary>
public sealed record LayerfileEdge(EdgeKind Kind, string From, string To, Argument Argument);

/// <summary>
/// Every Layerfile under a repository root and how they link: FROM another Layerfile and WAIT make edges;
/// <c>FROM vm/NAME:TAG</c> and <c>FROM github/...</c> are recorded on the node (<see cref="LayerfileNode.Base"/>).
/// Targets that match no Layerfile, image names without <c>vm/</c>, and cycles are errors naming the
/// files and lines involved. Each node keeps its own parse diagnostics.
/// </summary>
public sealed class LayerfileGraph
{
    private LayerfileGraph(string root, IReadOnlyList<LayerfileNode> nodes, IReadOnlyList<LayerfileEdge> edges, IReadOnlyList<Diagnostic> diagnostics)
    {
        Root = root;
        Nodes = nodes;
        Edges = edges;
        Diagnostics = diagnostics;
    }

    public string Root { get; }

    public IReadOnlyList<LayerfileNode> Nodes { get; }

    public IReadOnlyList<LayerfileEdge> Edges { get; }

    /// <summary>Problems of the graph itself (missing targets, cycles, unknown images), in file and line order.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>Whether the graph or any of its Layerfiles has an error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error) || Nodes.Any(n => n.Parse.HasErrors);

    public LayerfileNode? Find(string path) => Nodes.FirstOrDefault(n => n.Path == path);

    /// <summary>
    /// The nodes ordered so that every FROM or WAIT target comes before the Layerfiles that name it (ties
    /// in path order). Nodes on a cycle, and those that depend on one, are left out: the cycle is an error.
    /// </summary>
    public IReadOnlyList<LayerfileNode> InBuildOrder()
    {
        var waiting = Nodes.ToDictionary(n => n.Path, n => Edges.Count(e => e.From == n.Path), StringComparer.Ordinal);
        var ready = new SortedSet<string>(waiting.Where(w => w.Value == 0).Select(w => w.Key), StringComparer.Ordinal);
        var order = new List<LayerfileNode>();
        while (ready.Count > 0)
        {
            var path = ready.Min!;
            ready.Remove(path);
            order.Add(Find(path)!);
            foreach (var edge in Edges.Where(e => e.To == path))
            {
                if (--waiting[edge.From] == 0) ready.Add(edge.From);
            }
        }

        return order;
    }

    /// <summary>
    /// Discovers the Layerfiles under <paramref name="root"/> (see <see cref="LayerfileDiscovery"/>), reads
    /// and parses them (<see cref="LayerfileReader"/>) and links them. One that cannot be read (a FIFO, a
    /// dangling link, a link leading outside the root) is a node whose only error says why.
    /// </summary>
    public static LayerfileGraph Discover(string root)
    {
        var nodes = LayerfileDiscovery.Find(root).Select(path => new LayerfileNode(path, Read(root, path))).ToList();
        return Link(root, nodes);
    }

    /// <summary>Links already-parsed Layerfiles (paths relative to the repository root, with '/').</summary>
    public static LayerfileGraph Link(string root, IReadOnlyList<LayerfileNode> nodes)
    {
        var byPath = nodes.ToDictionary(n => n.Path, StringComparer.Ordinal);
        var edges = new List<LayerfileEdge>();
        var diagnostics = new List<Diagnostic>();
        foreach (var node in nodes)
        {
            foreach (var instruction in node.Parse.Layerfile.Instructions)
            {
                switch (instruction)
                {
                    case FromInstruction { Target.Kind: FromTargetKind.Layerfile } from:
                        AddEdge(EdgeKind.From, node, from.Target.Argument);
                        break;
                    case FromInstruction { Target.Kind: FromTargetKind.ImageName } from:
                        diagnostics.Add(Diagnostic.Error(from.Target.Argument.Span, UnknownImage(from.Target), ["vm/NAME:TAG"]) with
                        {
                            Suggestion = from.Target.ImageName!.Contains('/') ? null : "vm/" + from.Target.Argument.Value,
                        });
                        break;
                    case ListInstruction { Kind: InstructionKind.Wait } wait:
                        foreach (var target in wait.Items) AddEdge(EdgeKind.Wait, node, target);
                        break;
                }
            }
        }

        diagnostics.AddRange(Cycles.Find(nodes, edges));
        var ordered = diagnostics.OrderBy(d => d.Span.File, StringComparer.Ordinal).ThenBy(d => d.Span.Line).ThenBy(d => d.Span.Column).ToList();
        return new LayerfileGraph(root, nodes, edges, ordered);

        void AddEdge(EdgeKind kind, LayerfileNode node, Argument target)
        {
            var (resolved, problem) = Resolve(node.Path, target.Value, byPath);
            if (resolved is not null)
            {
                edges.Add(new LayerfileEdge(kind, node.Path, resolved, target));
            }
            else
            {
                var keyword = kind == EdgeKind.From ? "FROM" : "WAIT";
                diagnostics.Add(Diagnostic.Error(target.Span, $"{keyword} {target.Raw}: {problem}", ["a Layerfile path"]));
            }
        }
    }

    /// <summary>
    /// The Layerfile a FROM or WAIT path names: <c>/dir</c> from the repository root, other paths from the
    /// naming Layerfile's folder; the path may name the Layerfile itself or the folder holding it.
    /// </summary>
    internal static (string? Path, string Problem) Resolve(string from, string target, IReadOnlyDictionary<string, LayerfileNode> nodes)
    {
        var folder = target.StartsWith('/') ? "" : ParentOf(from);
        var parts = new List<string>(folder.Length == 0 ? [] : folder.Split('/'));
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) return (null, "points outside the repository");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        var candidates = joined.Length == 0 ? new[] { "Layerfile" } : [joined, joined + "/Layerfile"];
        var match = candidates.FirstOrDefault(nodes.ContainsKey);
        return match is not null
            ? (match, "")
            : (null, $"no Layerfile at {string.Join(" or ", candidates.Select(c => "/" + c))} (paths starting with / are from the repository root, others from this Layerfile's folder)");
    }

    private static string ParentOf(string path) => path.Contains('/') ? path[..path.LastIndexOf('/')] : "";

    private static string UnknownImage(FromTarget target)
    {
        var name = target.Argument.Raw;
        return target.ImageName!.Contains('/')
            ? $"`{name}` is not a base image Layer can build: base images are named vm/NAME:TAG (for example vm/ubuntu:22.04); library and registry images are not available"
            : $"`{name}` is not a base image: base images are named vm/NAME:TAG; did you mean `vm/{name}`?";
    }

    private static ParseResult Read(string root, string path)
    {
        try
        {
            return LayerfileReader.Parse(System.IO.Path.Combine(root, path), path, within: root);
        }
        catch (LayerfileReadException e)
        {
            return new ParseResult(new Layerfile(path, []), [Diagnostic.Error(new SourceSpan(path, 1, 1, 1, 1), $"cannot read this Layerfile: {e.Reason}")]);
        }
    }
}
