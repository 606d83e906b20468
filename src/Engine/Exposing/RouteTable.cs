namespace Layer.Engine.Exposing;

/// <summary>A website behind the host router: requests under <see cref="Prefix"/> go to <see cref="BackendPort"/>.</summary>
/// <param name="Prefix">A path prefix such as <c>/</c> or <c>/api</c>, matched on whole segments.</param>
/// <param name="Rewrite">Replaces the prefix in the forwarded path when set (<c>/api/x</c> with rewrite <c>/</c> becomes <c>/x</c>).</param>
/// <param name="BackendPort">The host port that reaches the guest's server (a QEMU forward).</param>
/// <param name="Target">The EXPOSE target as written, for messages.</param>
internal sealed record WebsiteRoute(string Prefix, string? Rewrite, int BackendPort, string Target);

/// <summary>
/// Path-prefix routing for several websites on one host port: the longest prefix that matches whole path
/// segments wins (<c>/api</c> takes <c>/api</c>, <c>/api/</c>, <c>/api/x</c> and <c>/api?q</c>, not <c>/apix</c>).
/// </summary>
internal sealed class RouteTable
{
    private readonly List<WebsiteRoute> _routes;

    public RouteTable(IEnumerable<WebsiteRoute> routes)
    {
        _routes = routes.Select(r => r with { Prefix = Normalize(r.Prefix) }).OrderByDescending(r => r.Prefix.Length).ToList();
    }

    public IReadOnlyList<WebsiteRoute> Routes => _routes;

    /// <summary>The route for a request target (path and query) and the target to forward, or null.</summary>
    public (WebsiteRoute Route, string Target)? Match(string requestTarget)
    {
        var query = requestTarget.IndexOf('?');
        var path = query < 0 ? requestTarget : requestTarget[..query];
        var rest = query < 0 ? "" : requestTarget[query..];
        if (!path.StartsWith('/')) path = "/" + path;
        foreach (var route in _routes)
        {
            string remainder;
            if (route.Prefix == "/") remainder = path;
            else if (path == route.Prefix) remainder = "";
            else if (path.StartsWith(route.Prefix + "/", StringComparison.Ordinal)) remainder = path[route.Prefix.Length..];
            else continue;

            if (route.Rewrite is null) return (route, path + rest);
            var rewritten = Normalize(route.Rewrite).TrimEnd('/') + remainder;
            return (route, (rewritten.Length == 0 ? "/" : rewritten) + rest);
        }

        return null;
    }

    /// <summary>Leading slash, no trailing one (except <c>/</c> itself).</summary>
    private static string Normalize(string prefix)
    {
        var text = "/" + prefix.Trim('/');
        return text;
    }
}
