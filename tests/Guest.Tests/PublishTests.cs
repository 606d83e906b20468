using System.Diagnostics;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>The NativeAOT publish that images carry.</summary>
[Collection("agent")]
public sealed class PublishTests
{
    [Fact]
    public void Published_agent_needs_only_libc_libm_and_the_loader()
    {
        var ldd = Process.Start(new ProcessStartInfo("ldd", PublishedAgent.BinaryPath) { RedirectStandardOutput = true })!;
        var output = ldd.StandardOutput.ReadToEnd();
        ldd.WaitForExit();
        Assert.Equal(0, ldd.ExitCode);
        var libraries = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split(' ')[0])
            .Where(name => name != "linux-vdso.so.1")
            .Select(Path.GetFileName)
            .Order()
            .ToList();
        Assert.Equal(["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6"], libraries);
    }

    [Fact]
    public void Published_binary_is_reused_while_sources_are_unchanged()
    {
        var again = AgentBinary.EnsurePublished(PublishedAgent.CacheDir);
        Assert.Equal(PublishedAgent.BinaryPath, again);
        Assert.Equal(AgentBinary.SourceHash(AgentBinary.FindSourceRoot()!), Path.GetFileName(Path.GetDirectoryName(again)));
    }

    [Fact]
    public void Source_hash_changes_with_any_agent_source()
    {
        var real = AgentBinary.FindSourceRoot()!;
        var copy = Directory.CreateTempSubdirectory("layer-agent-src-").FullName;
        try
        {
            foreach (var file in new[] { "src/Guest/Program.cs", "src/Guest/Layer.Guest.csproj", "src/Vm/Agent/Protocol/FrameCodec.cs", "Directory.Build.props" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, file))!);
                File.Copy(Path.Combine(real, file), Path.Combine(copy, file));
            }
            var before = AgentBinary.SourceHash(copy);
            Assert.Equal(before, AgentBinary.SourceHash(copy));

            // Build output does not count.
            Directory.CreateDirectory(Path.Combine(copy, "src/Guest/obj"));
            File.WriteAllText(Path.Combine(copy, "src/Guest/obj/x.cs"), "generated");
            Assert.Equal(before, AgentBinary.SourceHash(copy));

            File.AppendAllText(Path.Combine(copy, "src/Vm/Agent/Protocol/FrameCodec.cs"), "\n// changed\n");
            Assert.NotEqual(before, AgentBinary.SourceHash(copy));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
