using System.Diagnostics;
using System.Text;

namespace Layer.Vm.Host;

/// <summary>
/// Runs the host tools Layer.Vm relies on (qemu-img, mkfs.ext4, debootstrap...). A failure names the exact
/// command and its stderr so the user can run it by hand.
/// </summary>
internal static class HostCommand
{
    /// <summary>Runs the command to completion and returns its stdout; throws <see cref="HostCommandException"/> on a non-zero exit.</summary>
    public static string Run(string fileName, IEnumerable<string> arguments, Action<string>? onOutputLine = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (key, value) in environment) info.Environment[key] = value;
        }

        var commandLine = Describe(fileName, info.ArgumentList);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new HostCommandException(commandLine, -1, "could not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HostCommandException(commandLine, -1,
                $"{e.Message} (is the tool installed? scripts/host-setup installs what layer needs)");
        }

        using (process)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stdout) stdout.AppendLine(e.Data);
                onOutputLine?.Invoke(e.Data);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stderr) stderr.AppendLine(e.Data);
                onOutputLine?.Invoke(e.Data);
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var detail = stderr.Length > 0 ? stderr.ToString() : stdout.ToString();
                throw new HostCommandException(commandLine, process.ExitCode, Tail(detail, 30));
            }
        }

        return stdout.ToString();
    }

    private static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));

    private static string Tail(string text, int lines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
