using System.Diagnostics;
using System.IO.Enumeration;
using System.Text;

namespace Layer.Vm.Agent;

/// <summary>
/// Finds or builds the NativeAOT guest agent that image builders copy to
/// /layer/agent in every root disk.
///
/// Order: <c>LAYER_AGENT_BINARY</c> (a ready binary, e.g. shipped next to an
/// installed layer); else the agent's sources in this checkout (found upwards
/// from the running assembly, or under <c>LAYER_SOURCE_ROOT</c>) are hashed
/// and published once per hash into &lt;cacheDir&gt;/agent/&lt;hash&gt;/layer-agent.
/// The hash covers the agent's sources and the shared build props, so an image
/// id that includes it changes whenever the agent does.
/// </summary>
internal static class AgentBinary
{
    public const string FileName = "layer-agent";

    /// <summary>Returns the path of an up-to-date published agent, publishing it first if needed (about 15 s, once).</summary>
    public static string EnsurePublished(string cacheDir)
    {
        var ready = Environment.GetEnvironmentVariable("LAYER_AGENT_BINARY");
        if (!string.IsNullOrEmpty(ready))
            return File.Exists(ready) ? ready : throw new FileNotFoundException($"LAYER_AGENT_BINARY names {ready}, which does not exist");

        var root = FindSourceRoot() ?? throw new Images.ImageBuildException(
            "cannot find the guest agent's sources (src/Guest/Layer.Guest.csproj) above " + AppContext.BaseDirectory +
            ": set LAYER_SOURCE_ROOT to the layer checkout, or LAYER_AGENT_BINARY to a published layer-agent");
        var hash = SourceHash(root);
        var dir = Path.Combine(cacheDir, "agent", hash);
        var binary = Path.Combine(dir, FileName);
        if (File.Exists(binary)) return binary;

        Directory.CreateDirectory(Path.Combine(cacheDir, "agent"));
        // One publisher at a time across processes (tests and runs may start together).
        using var lockFile = AcquireLock(Path.Combine(cacheDir, "agent", ".publish.lock"));
        if (File.Exists(binary)) return binary;

        var staging = Path.Combine(cacheDir, "agent", $".staging-{hash}-{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Publish(root, staging);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.Move(staging, dir);
        return binary;
    }

    /// <summary>Hex BLAKE3 (first 16 chars) of the agent's sources: what <see cref="EnsurePublished"/> keys on.</summary>
    public static string SourceHash(string sourceRoot)
    {
        var files = SourceFiles(sourceRoot).Order(StringComparer.Ordinal).ToList();
        using var hasher = Blake3.Hasher.New();
        foreach (var file in files)
        {
            hasher.Update(Encoding.UTF8.GetBytes(Path.GetRelativePath(sourceRoot, file).Replace('\\', '/') + "\0"));
            var content = File.ReadAllBytes(file);
            hasher.Update(BitConverter.GetBytes((long)content.Length));
            hasher.Update(content);
        }
        return Convert.ToHexStringLower(hasher.Finalize().AsSpan())[..16];
    }

    public static string? FindSourceRoot()
    {
        var configured = Environment.GetEnvironmentVariable("LAYER_SOURCE_ROOT");
        if (!string.IsNullOrEmpty(configured)) return IsSourceRoot(configured) ? Path.GetFullPath(configured) : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (IsSourceRoot(dir.FullName)) return dir.FullName;
        return null;
    }

    private static bool IsSourceRoot(string dir) => File.Exists(Path.Combine(dir, "src", "Guest", "Layer.Guest.csproj"));

    private static IEnumerable<string> SourceFiles(string root)
    {
        // Every `layer run` hashes these for the image id: bin/ and obj/ (hundreds of build outputs) are not walked.
        foreach (var folder in new[] { Path.Combine(root, "src", "Guest"), Path.Combine(root, "src", "Vm", "Agent", "Protocol") })
        {
            var sources = new FileSystemEnumerable<string>(folder, (ref FileSystemEntry entry) => entry.ToFullPath(),
                new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                    !entry.IsDirectory && (entry.FileName.EndsWith(".cs", StringComparison.Ordinal) || entry.FileName.EndsWith(".csproj", StringComparison.Ordinal)),
                ShouldRecursePredicate = (ref FileSystemEntry entry) =>
                    !(entry.Directory.Length == folder.Length && entry.FileName is "bin" or "obj"),
            };
            foreach (var file in sources) yield return file;
        }
        foreach (var props in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
            if (File.Exists(Path.Combine(root, props))) yield return Path.Combine(root, props);
    }

    /// <summary>
    /// <c>dotnet publish</c> with its own artifacts path, so it never shares
    /// obj/ with a concurrent <c>dotnet build</c> of the checkout.
    /// </summary>
    private static void Publish(string root, string output)
    {
        var artifacts = output + ".artifacts";
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", Path.Combine(root, "src", "Guest", "Layer.Guest.csproj"),
                "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
                "--artifacts-path", artifacts, "-o", output, "-nologo", "-v", "quiet",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Images.ImageBuildException($"the guest agent is built with the .NET SDK, and dotnet could not be started ({e.Message}): install the .NET 10 SDK");
        }

        using var _ = process;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        try
        {
            if (process.ExitCode != 0 || !File.Exists(Path.Combine(output, FileName)))
                throw new Images.ImageBuildException(
                    $"publishing the guest agent failed (exit {process.ExitCode}): dotnet {string.Join(' ', start.ArgumentList)}\n{stdout.Result}{stderr.Result}".TrimEnd());
            // Keep only the binary: the image gets one file.
            foreach (var file in Directory.EnumerateFiles(output))
                if (Path.GetFileName(file) != FileName) File.Delete(file);
        }
        finally
        {
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }
}
