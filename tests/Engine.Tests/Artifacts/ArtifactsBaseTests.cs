using Layer.Engine.Running;

namespace Layer.Engine.Tests.Artifacts;

/// <summary>
/// The artifacts folder usually sits in the checkout (./layer-artifacts), whose files the pull request
/// wrote: a committed link in its path would send the guest's files anywhere on the host.
/// </summary>
public sealed class ArtifactsBaseTests : IDisposable
{
    private readonly DirectoryInfo _repo = Directory.CreateTempSubdirectory("layer-artifacts-base-");
    private readonly DirectoryInfo _elsewhere = Directory.CreateTempSubdirectory("layer-artifacts-elsewhere-");

    public void Dispose()
    {
        _repo.Delete(recursive: true);
        _elsewhere.Delete(recursive: true);
    }

    private string In(string relative) => Path.Combine(_repo.FullName, relative);

    [Fact]
    public void A_link_the_repository_holds_on_the_way_is_refused()
    {
        File.CreateSymbolicLink(In("layer-artifacts"), _elsewhere.FullName);
        Assert.Contains("symbolic link", LayerfileEnd.ArtifactsBaseProblem(In("layer-artifacts"), _repo.FullName));

        Directory.CreateDirectory(In("build"));
        File.CreateSymbolicLink(In("build/out"), "/etc");
        Assert.NotNull(LayerfileEnd.ArtifactsBaseProblem(In("build/out/artifacts"), _repo.FullName));
    }

    [Fact]
    public void Real_folders_a_missing_folder_and_the_operators_own_links_are_fine()
    {
        Assert.Null(LayerfileEnd.ArtifactsBaseProblem(In("layer-artifacts"), _repo.FullName));
        Directory.CreateDirectory(In("layer-artifacts"));
        Assert.Null(LayerfileEnd.ArtifactsBaseProblem(In("layer-artifacts"), _repo.FullName));

        // Outside the repository the path is the operator's: a link there is their choice.
        var link = Path.Combine(_elsewhere.FullName, "link");
        File.CreateSymbolicLink(link, _elsewhere.FullName);
        Assert.Null(LayerfileEnd.ArtifactsBaseProblem(Path.Combine(link, "artifacts"), _repo.FullName));
    }
}
