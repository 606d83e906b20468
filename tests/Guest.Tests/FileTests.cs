using System.Security.Cryptography;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

[Collection("agent")]
public sealed class FileTests
{
    [Fact]
    public async Task Write_then_read_a_file_larger_than_one_frame()
    {
        await using var agent = await AgentProcess.StartAsync();
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var path = Path.Combine(agent.Folder, "new", "nested", "file.bin");
        await agent.Client.WriteFileAsync(path, content, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.Equal(content, await agent.Client.ReadFileAsync(path));
    }

    [Fact]
    public async Task Writing_replaces_a_longer_file_and_sets_the_mode()
    {
        await using var agent = await AgentProcess.StartAsync();
        var path = Path.Combine(agent.Folder, "script.sh");
        File.WriteAllText(path, "a much longer previous content\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
        await agent.Client.WriteFileAsync(path, "#!/bin/sh\necho hi\n"u8.ToArray(), (UnixFileMode)Convert.ToInt32("755", 8));

        Assert.Equal("#!/bin/sh\necho hi\n", File.ReadAllText(path));
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(path));
        var (result, stdout, _) = await agent.ShellAsync(path);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hi\n", stdout);
    }

    [Fact]
    public async Task A_file_of_exactly_two_chunks_from_a_stream_round_trips()
    {
        await using var agent = await AgentProcess.StartAsync();
        var content = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        var path = Path.Combine(agent.Folder, "two-chunks");
        await agent.Client.WriteFileAsync(path, new MemoryStream(content), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var back = new MemoryStream();
        Assert.Equal(content.Length, await agent.Client.ReadFileAsync(path, back));
        Assert.Equal(content, back.ToArray());
    }

    [Fact]
    public async Task Empty_file_round_trips()
    {
        await using var agent = await AgentProcess.StartAsync();
        var path = Path.Combine(agent.Folder, "empty");
        await agent.Client.WriteFileAsync(path, ReadOnlyMemory<byte>.Empty, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.True(File.Exists(path));
        Assert.Empty(await agent.Client.ReadFileAsync(path));
    }

    [Fact]
    public async Task Reading_a_missing_file_is_a_request_error_with_enoent()
    {
        await using var agent = await AgentProcess.StartAsync();
        var error = await Assert.ThrowsAsync<AgentRequestException>(() => agent.Client.ReadFileAsync(Path.Combine(agent.Folder, "missing")));
        Assert.Equal(2, error.Errno);
        Assert.Equal(0, (await agent.ShellAsync("true")).Result.ExitCode);
    }

    [Fact]
    public async Task Relative_write_path_is_rejected()
    {
        await using var agent = await AgentProcess.StartAsync();
        var error = await Assert.ThrowsAsync<AgentRequestException>(() => agent.Client.WriteFileAsync("relative/path", "x"u8.ToArray(), UnixFileMode.UserRead));
        Assert.Equal(22, error.Errno);
    }
}
