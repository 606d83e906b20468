using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>
/// Real overlayfs mounts made by the agent, with a temp folder standing in for
/// the 9p share (--share-root) and another for the guest disk (--state-dir).
/// </summary>
[Collection("agent")]
public sealed class OverlayTests
{
    [HostFact(Needs.Root)]
    public async Task Overlay_shows_the_share_keeps_writes_off_it_and_is_remounted_from_the_record()
    {
        var root = Directory.CreateTempSubdirectory("layer-overlay-test-").FullName;
        var share = Path.Combine(root, "share");
        Directory.CreateDirectory(Path.Combine(share, "repo", "src"));
        File.WriteAllText(Path.Combine(share, "repo", "src", "main.c"), "int main;\n");
        File.WriteAllText(Path.Combine(share, "repo", "README"), "readme\n");
        var state = Path.Combine(root, "disk", "layer");
        var target = Path.Combine(root, "disk", "home", "repo");
        try
        {
            await using (var agent = await AgentProcess.StartAsync(shareRoot: share, stateDir: state))
            {
                await agent.Client.MountOverlayAsync(new OverlayMount("ws1", "repo", target));

                var (result, stdout, stderr) = await agent.ShellAsync(
                    "cat src/main.c && echo new > added && echo changed > README && rm src/main.c && ls",
                    s => s with { WorkingDirectory = target });
                Assert.True(result.ExitCode == 0, stderr);
                Assert.Equal("int main;\nREADME\nadded\nsrc\n", stdout);

                // The share is untouched; the writes sit in the upper folder on the "disk".
                Assert.Equal("readme\n", File.ReadAllText(Path.Combine(share, "repo", "README")));
                Assert.True(File.Exists(Path.Combine(share, "repo", "src", "main.c")));
                Assert.False(File.Exists(Path.Combine(share, "repo", "added")));
                Assert.Equal("new\n", File.ReadAllText(Path.Combine(state, "overlays", "ws1", "upper", "added")));
                Assert.Equal($"ws1\trepo\t{target}\n", File.ReadAllText(Path.Combine(state, "overlays.list")));

                // Mounting the same overlay again is a no-op; a different one at the same id is refused.
                await agent.Client.MountOverlayAsync(new OverlayMount("ws1", "repo", target));
                var clash = await Assert.ThrowsAsync<AgentRequestException>(() => agent.Client.MountOverlayAsync(new OverlayMount("ws1", "repo/src", target)));
                Assert.Contains("ws1", clash.GuestMessage);
            }

            // As after a restore: the mount is gone, the disk (upper + record) is not.
            Assert.True(Interop.Unmount(target));
            Assert.False(File.Exists(Path.Combine(target, "added")));

            await using (var agent = await AgentProcess.StartAsync(shareRoot: share, stateDir: state))
            {
                var remounted = await agent.Client.RemountOverlaysAsync();
                Assert.Equal([new OverlayMount("ws1", "repo", target)], remounted);
                var (result, stdout, _) = await agent.ShellAsync("cat added README; ls src", s => s with { WorkingDirectory = target });
                Assert.Equal(0, result.ExitCode);
                Assert.Equal("new\nchanged\n", stdout);
                // Remounting while mounted changes nothing.
                Assert.Single(await agent.Client.RemountOverlaysAsync());
            }
        }
        finally
        {
            while (Interop.Unmount(target)) { }
            Directory.Delete(root, recursive: true);
        }
    }

    [HostFact(Needs.Root)]
    public async Task Overlay_on_a_folder_that_has_files_keeps_them_under_the_copied_ones()
    {
        var root = Directory.CreateTempSubdirectory("layer-overlay-merge-").FullName;
        var share = Path.Combine(root, "share");
        Directory.CreateDirectory(Path.Combine(share, "repo"));
        File.WriteAllText(Path.Combine(share, "repo", "shared.txt"), "from the share\n");
        File.WriteAllText(Path.Combine(share, "repo", ".profile"), "copied profile\n");
        var target = Path.Combine(root, "disk", "root");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, ".bashrc"), "guest bashrc\n");
        File.WriteAllText(Path.Combine(target, ".profile"), "guest profile\n");
        try
        {
            await using (var agent = await AgentProcess.StartAsync(shareRoot: share, stateDir: Path.Combine(root, "disk", "layer")))
            {
                await agent.Client.MountOverlayAsync(new OverlayMount("home", "repo", target));
                var (result, stdout, stderr) = await agent.ShellAsync("cat .bashrc .profile shared.txt", s => s with { WorkingDirectory = target });
                Assert.True(result.ExitCode == 0, stderr);
                Assert.Equal("guest bashrc\ncopied profile\nfrom the share\n", stdout);
            }
        }
        finally
        {
            while (Interop.Unmount(target)) { }
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("../escape", "/tmp/x")]
    [InlineData("/abs", "/tmp/x")]
    [InlineData("ok", "relative/target")]
    [InlineData("a,b", "/tmp/x")]
    public async Task Bad_overlay_paths_are_refused_before_mounting(string lower, string target)
    {
        await using var agent = await AgentProcess.StartAsync();
        var error = await Assert.ThrowsAsync<AgentRequestException>(() => agent.Client.MountOverlayAsync(new OverlayMount("bad", lower, target)));
        Assert.Equal(22, error.Errno);
    }

    [Fact]
    public async Task Missing_lower_folder_is_reported_with_its_path()
    {
        await using var agent = await AgentProcess.StartAsync();
        var error = await Assert.ThrowsAsync<AgentRequestException>(() =>
            agent.Client.MountOverlayAsync(new OverlayMount("x", "not-there", Path.Combine(agent.Folder, "mnt"))));
        Assert.Equal(2, error.Errno);
        Assert.Contains("not-there", error.GuestMessage);
    }

    [Fact]
    public async Task Remount_with_no_record_returns_nothing()
    {
        await using var agent = await AgentProcess.StartAsync();
        Assert.Empty(await agent.Client.RemountOverlaysAsync());
    }
}
