namespace Layer.Parser;

/// <summary>Finds cycles among FROM and WAIT edges; each is reported once, naming every file and line on it.</summary>
internal static class Cycles
{
    public static IEnumerable<Diagnostic> Find(IReadOnlyList<LayerfileNode> nodes, IReadOnlyList<LayerfileEdge> edges)
    {
        var outgoing = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the current path, true: done
        var path = new List<LayerfileEdge>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<Diagnostic>();
        foreach (var node in nodes)
        {
            Visit(node.Path);
        }

        return found;

        // Depth-first; an edge to a node still on the path closes a cycle made of the path's tail.
        void Visit(string current)
        {
            if (state.ContainsKey(current)) return;
            state[current] = false;
            foreach (var edge in outgoing.GetValueOrDefault(current) ?? [])
            {
                if (state.TryGetValue(edge.To, out var done))
                {
                    if (!done) Report([.. path.SkipWhile(e => e.From != edge.To), edge]);
                    continue;
                }

                path.Add(edge);
                Visit(edge.To);
                path.RemoveAt(path.Count - 1);
            }

            state[current] = true;
        }

        void Report(List<LayerfileEdge> cycle)
        {
            var key = string.Join("|", cycle.Select(e => e.From).Order(StringComparer.Ordinal));
            if (!seen.Add(key)) return;
            var steps = cycle.Select(e => $"{e.From}:{e.Argument.Span.Line} ({(e.Kind == EdgeKind.From ? "FROM" : "WAIT")} {e.Argument.Raw})");
            var first = cycle[0];
            found.Add(Diagnostic.Error(first.Argument.Span, $"Layerfiles form a cycle: {string.Join(" -> ", steps)} -> {first.From}", []));
        }
    }
}
