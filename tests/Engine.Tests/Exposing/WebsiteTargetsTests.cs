using Layer.Engine.Exposing;

namespace Layer.Engine.Tests.Exposing;

public sealed class WebsiteTargetsTests
{
    [Theory]
    [InlineData("localhost:8080", 8080, false)]
    [InlineData("http://localhost", 80, false)]
    [InlineData("http://127.0.0.1:3000/", 3000, false)]
    [InlineData("https://localhost", 443, true)]
    [InlineData("https://0.0.0.0:8443", 8443, true)]
    [InlineData("8000", 8000, false)]
    public void Local_targets_give_their_port(string target, int port, bool tls)
    {
        var (p, t, error) = WebsiteTargets.Parse(target);
        Assert.Null(error);
        Assert.Equal((port, tls), (p, t));
    }

    [Theory]
    [InlineData("example.com:80")]
    [InlineData("localhost:70000")]
    [InlineData("http://db:5432")]
    public void Other_hosts_and_bad_ports_are_refused(string target) => Assert.NotNull(WebsiteTargets.Parse(target).Error);
}
