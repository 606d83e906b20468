using Layer.Engine.Exposing;

namespace Layer.Engine.Tests.Exposing;

public sealed class RouteTableTests
{
    private static readonly RouteTable Table = new([
        new WebsiteRoute("/", null, 1000, "localhost:3000"),
        new WebsiteRoute("/api", "/", 2000, "localhost:4000"),
        new WebsiteRoute("/docs/", null, 3000, "localhost:5000"),
        new WebsiteRoute("/v1", "/v2/", 4000, "localhost:6000"),
    ]);

    [Theory]
    [InlineData("/", 1000, "/")]
    [InlineData("/index.html?x=1", 1000, "/index.html?x=1")]
    [InlineData("/apix", 1000, "/apix")]
    [InlineData("/api", 2000, "/")]
    [InlineData("/api/", 2000, "/")]
    [InlineData("/api/users/7?full=1", 2000, "/users/7?full=1")]
    [InlineData("/api?q=1", 2000, "/?q=1")]
    [InlineData("/docs", 3000, "/docs")]
    [InlineData("/docs/a/b.html", 3000, "/docs/a/b.html")]
    [InlineData("/v1/items", 4000, "/v2/items")]
    public void The_longest_whole_segment_prefix_wins_and_rewrite_replaces_it(string request, int port, string forwarded)
    {
        var match = Table.Match(request);
        Assert.NotNull(match);
        Assert.Equal((port, forwarded), (match.Value.Route.BackendPort, match.Value.Target));
    }

    [Fact]
    public void Without_a_root_route_other_paths_match_nothing()
    {
        var table = new RouteTable([new WebsiteRoute("/api", null, 2000, "localhost:4000")]);
        Assert.Null(table.Match("/"));
        Assert.Null(table.Match("/apis/x"));
        Assert.Equal("/api/x", table.Match("/api/x")!.Value.Target);
    }
}
