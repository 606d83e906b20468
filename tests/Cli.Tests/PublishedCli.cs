using System.Diagnostics;

namespace Layer.Cli.Tests;

/// <summary>Runs `./layer` of this checkout, which publishes the NativeAOT binary first when the sources changed.</summary>
internal static class PublishedCli
{
    /// <param name="environment">Variables to set (null values unset them) on top of LAYER_CACHE_DIR and NO_COLOR.</param>
    public static async Task<(int Exit, string Stdout, string Stderr)> Run(string workingDirectory, string cacheRoot, string[] args,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, cacheRoot, args, environment))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts `./layer` and collects what it prints (stdout and stderr together) while it runs.</summary>
    public static Running Start(string workingDirectory, string cacheRoot, string[] args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var process = Process.Start(StartInfo(workingDirectory, cacheRoot, args, environment))!;
        process.StandardInput.Close();
        return new Running(process);
    }

    /// <summary>A `layer` process in flight.</summary>
    public sealed class Running : IDisposable
    {
        private readonly System.Text.StringBuilder _output = new();
        private readonly Task _pumps;

        public Running(Process process)
        {
            Process = process;
            _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        private async Task Pump(StreamReader reader)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                lock (_output) _output.Append(buffer, 0, read);
            }
        }

        /// <summary>Waits until the output holds <paramref name="text"/>; fails with the output so far if the process ends or time runs out first.</summary>
        public async Task WaitFor(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (Process.HasExited || DateTime.UtcNow > deadline) Assert.Fail($"`{text}` never came; the output was:\n{Output}");
                await Task.Delay(100);
            }
        }

        /// <summary>Waits for the process to end (at most <paramref name="timeout"/>) and for its output to be read.</summary>
        public async Task<int> Exit(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await Process.WaitForExitAsync(cancel.Token);
            await _pumps;
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, string cacheRoot, string[] args, IReadOnlyDictionary<string, string?>? environment)
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
        return start;
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
