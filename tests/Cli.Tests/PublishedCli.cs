using System.Diagnostics;

namespace Layer.Cli.Tests;

/// <summary>Runs `./layer` of this checkout, which publishes the NativeAOT binary first when the sources changed.</summary>
internal static class PublishedCli
{
    /// <param name="environment">Variables to set (null values unset them) on top of LAYER_CACHE_DIR and NO_COLOR.</param>
    public static async Task<(int Exit, string Stdout, string Stderr)> Run(string workingDirectory, string cacheRoot, string[] args,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(CheckoutRoot(), "layer"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
            Environment = { ["LAYER_CACHE_DIR"] = cacheRoot, ["NO_COLOR"] = "1" },
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static string CheckoutRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Layerfile.sln")) && File.Exists(Path.Combine(dir.FullName, "layer"))) return dir.FullName;
        }

        throw new InvalidOperationException("the tests run outside a Layer checkout: no Layerfile.sln above " + AppContext.BaseDirectory);
    }
}
