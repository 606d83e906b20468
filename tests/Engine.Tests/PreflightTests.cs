using Layer.Engine.Running;

namespace Layer.Engine.Tests;

/// <summary>`layer check` says what `layer run` would refuse before booting (Preflight), each at its line and column.</summary>
public sealed class PreflightTests : IDisposable
{
    private readonly TempRepository _repo = new("layer-preflight-");

    public PreflightTests() => _repo.Git("init", "-q");

    public void Dispose() => _repo.Dispose();

    private IReadOnlyList<string> Check(string layerfile, string path = "Layerfile", Func<string, string?>? environment = null)
    {
        _repo.Write(path, layerfile);
        return Preflight.Check(Path.Combine(_repo.Root, path), environment ?? (_ => null));
    }

    [Fact]
    public void A_layerfile_run_would_take_has_no_problem()
    {
        _repo.Write("base/Layerfile", "FROM vm/busybox\nRUN true\n");
        Assert.Empty(Check("FROM /base\nCOPY . /app\nCLONE https://example.com/r.git /src\nMEMORY 1G\nRUN true\n"));
    }

    [Theory]
    [InlineData("FROM vm/busybox\nCOPY ../outside /x\n", "Layerfile:2:6", "outside the repository")]
    [InlineData("FROM vm/busybox\nCACHE /proc\n", "Layerfile:2:7", "cannot be cached")]
    [InlineData("FROM vm/alpine:3\nRUN true\n", "Layerfile:1:6", "unknown base image vm/alpine:3")]
    [InlineData("FROM ubuntu:18.04\nRUN true\n", "Layerfile:1:6", "vm/ubuntu:18.04")]
    [InlineData("FROM vm/busybox\nMEMORY 100000G\n", "Layerfile:2:8", "MEMORY asks for")]
    [InlineData("FROM vm/busybox\nCLONE file:///root/secret.git /src\n", "Layerfile:2:7", "LAYER_ALLOW_LOCAL_CLONES")]
    [InlineData("FROM ../elsewhere\nRUN true\n", "Layerfile:1:6", "outside the repository")]
    [InlineData("FROM /nowhere\nRUN true\n", "Layerfile:1:6", "nowhere")]
    public void What_run_refuses_before_booting_is_a_problem_at_its_place(string layerfile, string where, string what)
    {
        var problem = Assert.Single(Check(layerfile));
        Assert.StartsWith(where, problem);
        Assert.Contains(what, problem);
    }

    [Fact]
    public void A_parents_problem_is_found_through_FROM()
    {
        _repo.Write("base/Layerfile", "FROM vm/busybox\nCOPY /../../etc /etc2\n");
        var problem = Assert.Single(Check("FROM /base\nRUN true\n", "app/Layerfile"));
        Assert.StartsWith("base/Layerfile:2:", problem);
    }

    [Fact]
    public void A_host_that_allows_local_clones_takes_them()
    {
        Assert.Empty(Check("FROM vm/busybox\nCLONE file:///srv/git/x.git /src\n", environment: name => name == "LAYER_ALLOW_LOCAL_CLONES" ? "1" : null));
    }
}
