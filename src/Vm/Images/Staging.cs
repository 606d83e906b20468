using System.Text.RegularExpressions;
using Layer.Vm.Host;

namespace Layer.Vm.Images;

/// <summary>Where the agent's shared libraries go in an image (see <see cref="Staging.AddAgent"/>).</summary>
internal enum AgentLibraries
{
    /// <summary>The system's folders: the image has no C library of its own.</summary>
    System,

    /// <summary>/layer/lib, with the agent pointed at them: the image keeps its own C library.</summary>
    Private,
}

/// <summary>Helpers that fill a root filesystem staging folder.</summary>
internal static partial class Staging
{
    /// <summary>Where the agent sits on every root disk; the init execs it as PID 1.</summary>
    public const string AgentPath = "layer/agent";

    /// <summary>The 9p share's mountpoint on every root disk.</summary>
    public const string SharePath = "layer/share";

    /// <summary>Copies the agent and every shared library ldd says it needs, at the paths ldd names.</summary>
    public static void AddAgent(string root, string agentBinary, AgentLibraries libraries)
    {
        Directory.CreateDirectory(Path.Combine(root, "layer"));
        Directory.CreateDirectory(Path.Combine(root, SharePath));
        var target = Path.Combine(root, AgentPath);
        File.Copy(agentBinary, target, overwrite: true);
        File.SetUnixFileMode(target, CacheDirectory.ReachableByQemu);
        var needed = SharedLibraries(agentBinary);
        if (libraries == AgentLibraries.Private && needed.Count > 0)
        {
            // The agent is linked against this host's C library, which may be newer than the image's
            // (Ubuntu 18.04 has glibc 2.27: PID 1 could not start and the kernel panicked). Its own copies
            // go to /layer/lib, and the agent names that loader and that folder itself, so the image's
            // programs keep their libraries and the agent keeps its own whatever a step installs.
            var folder = Path.Combine(root, PrivateLibraries.TrimStart('/'));
            Directory.CreateDirectory(folder);
            string? loader = null;
            foreach (var library in needed)
            {
                var name = Path.GetFileName(library);
                if (name.StartsWith("ld-linux", StringComparison.Ordinal)) loader = PrivateLibraries + "/" + name;
                Copy(library, Path.Combine(folder, name));
            }

            if (loader is null) throw new ImageBuildException($"ldd names no ld-linux loader for {agentBinary}");
            try
            {
                HostCommand.Run("patchelf", ["--set-interpreter", loader, "--set-rpath", PrivateLibraries, target]);
            }
            catch (HostCommandException e)
            {
                throw new ImageBuildException($"could not point the agent at its own libraries: {e.Message} (patchelf: apt-get install patchelf; scripts/host-setup does)", e);
            }

            return;
        }

        // A root without a C library of its own (busybox): the host's copies go where the loader looks.
        foreach (var library in needed) Copy(library, Path.Combine(root, library.TrimStart('/')));
    }

    /// <summary>Where an image that has its own C library keeps the agent's (see <see cref="AddAgent"/>).</summary>
    public const string PrivateLibraries = "/layer/lib";

    private static void Copy(string library, string copy)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        // File.Copy follows the host's symlinks (ld-linux in /lib64 is one), giving a plain file.
        File.Copy(library, copy, overwrite: true);
        File.SetUnixFileMode(copy, CacheDirectory.ReachableByQemu);
    }

    /// <summary>Absolute paths from `ldd BINARY`: "libc.so.6 => /lib/.../libc.so.6 (0x..)" and "/lib64/ld-linux... (0x..)".</summary>
    internal static IReadOnlyList<string> SharedLibraries(string binary)
    {
        string output;
        try
        {
            output = HostCommand.Run("ldd", [binary]);
        }
        catch (HostCommandException e) when (e.Stderr.Contains("not a dynamic executable", StringComparison.Ordinal))
        {
            return [];
        }

        return ParseLdd(output);
    }

    internal static IReadOnlyList<string> ParseLdd(string output) =>
        LddPath().Matches(output).Select(m => m.Groups[1].Value).Distinct().ToList();

    [GeneratedRegex(@"(?:=>\s*|^\s*)(/\S+)\s+\(0x", RegexOptions.Multiline)]
    private static partial Regex LddPath();

    public static void WriteFile(string root, string relativePath, string content, UnixFileMode? mode = null)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (mode is { } m) File.SetUnixFileMode(path, m);
    }
}
