using System.Text.RegularExpressions;
using Layer.Vm.Host;

namespace Layer.Vm.Images;

/// <summary>Helpers that fill a root filesystem staging folder.</summary>
internal static partial class Staging
{
    /// <summary>Where the agent sits on every root disk; the init execs it as PID 1.</summary>
    public const string AgentPath = "layer/agent";

    /// <summary>The 9p share's mountpoint on every root disk.</summary>
    public const string SharePath = "layer/share";

    /// <summary>Copies the agent and every shared library ldd says it needs, at the paths ldd names.</summary>
    public static void AddAgent(string root, string agentBinary, bool withLibraries)
    {
        Directory.CreateDirectory(Path.Combine(root, "layer"));
        Directory.CreateDirectory(Path.Combine(root, SharePath));
        var target = Path.Combine(root, AgentPath);
        File.Copy(agentBinary, target, overwrite: true);
        File.SetUnixFileMode(target, CacheDirectory.ReachableByQemu);
        if (!withLibraries) return;
        foreach (var library in SharedLibraries(agentBinary))
        {
            var copy = Path.Combine(root, library.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            // File.Copy follows the host's symlinks (ld-linux in /lib64 is one), giving a plain file.
            File.Copy(library, copy, overwrite: true);
            File.SetUnixFileMode(copy, CacheDirectory.ReachableByQemu);
        }
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
