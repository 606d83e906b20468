using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Layer.Fs;
using Layer.Fs.Mounting;
using Layer.Fs.Tracking;

namespace Layer.Cli.Commands;

/// <summary>
/// `layer trace [--root DIR] [--json] -- COMMAND [ARGS...]`: runs COMMAND inside a tracked mirror of
/// DIR and prints what it read, as the engine would record it for a step.
/// </summary>
internal static class TraceCommand
{
    // The order `layer trace` groups observations in, the same for text and JSON.
    private static readonly ObservationKind[] KindOrder =
        [ObservationKind.Content, ObservationKind.Listing, ObservationKind.Absent, ObservationKind.Metadata];

    public static Command Create()
    {
        var root = new Option<string>("--root")
        {
            Description = "The folder to mirror (default: the current folder)",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object {exitCode, observations} on stdout; COMMAND's own stdout goes to stderr",
        };
        var commandLine = new Argument<string[]>("command")
        {
            Description = "The command and its arguments, after --",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(
            "trace",
            "Run a command inside a read-only mirror of a folder and print every file it read, listed or looked for.\n" +
            "The command runs at the same relative place inside the mirror as the current folder is in DIR.\n" +
            "Observations: content (BLAKE3 of the bytes read), listing (hash of a directory's names and types),\n" +
            "absent (a name looked up that did not exist), metadata (type, permissions, size, link target).\n" +
            "Exits with the command's exit code.");
        command.Options.Add(root);
        command.Options.Add(json);
        command.Arguments.Add(commandLine);
        command.SetAction(result => Run(
            result.GetValue(root) ?? Directory.GetCurrentDirectory(),
            result.GetValue(json),
            result.GetValue(commandLine) ?? [],
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string rootArgument, bool json, string[] commandLine, TextWriter output, TextWriter error)
    {
        var root = Path.GetFullPath(rootArgument);
        if (!Directory.Exists(root))
        {
            error.WriteLine($"layer trace: --root {rootArgument}: no such folder");
            return 2;
        }

        var baseDirectory = TraceBaseDirectory();
        string traceDirectory;
        try
        {
            CreatePrivateDirectory(baseDirectory);
            StaleMounts.CleanUnder(baseDirectory);
            RemoveLeftovers(baseDirectory);
            traceDirectory = Path.Combine(baseDirectory, $"trace-{Environment.ProcessId}");
            CreatePrivateDirectory(traceDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FuseMountException)
        {
            error.WriteLine($"layer trace: cannot prepare {baseDirectory}: {e.Message}");
            return 2;
        }

        MirrorMount mirror;
        try
        {
            mirror = MirrorMount.Mount(new MirrorOptions { HostRoot = root, Mountpoint = Path.Combine(traceDirectory, "mnt") });
        }
        catch (Exception e) when (e is FuseMountException or IOException)
        {
            error.WriteLine($"layer trace: {e.Message}");
            TryDelete(traceDirectory);
            return 2;
        }

        int exitCode;
        ReadSet readSet;
        try
        {
            var relative = Path.GetRelativePath(root, Directory.GetCurrentDirectory());
            var inside = relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative)
                ? mirror.Mountpoint
                : Path.GetFullPath(Path.Combine(mirror.Mountpoint, relative));
            mirror.Tracker.BeginEpoch();
            try
            {
                exitCode = RunCommand(commandLine, inside, json, error);
            }
            finally
            {
                readSet = mirror.Tracker.EndEpoch();
            }
        }
        finally
        {
            mirror.Dispose();
            TryDelete(traceDirectory);
        }

        if (exitCode == 127 && readSet.Observations.Count == 0 && !json) return exitCode;
        if (json) WriteJson(output, exitCode, readSet);
        else WriteText(output, readSet);
        return exitCode;
    }

    private static int RunCommand(string[] commandLine, string workingDirectory, bool json, TextWriter error)
    {
        var start = new ProcessStartInfo(commandLine[0])
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            // With --json our stdout carries exactly one object: the command's output goes to stderr.
            RedirectStandardOutput = json,
        };
        foreach (var argument in commandLine.Skip(1)) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            if (json)
            {
                var stderr = Console.OpenStandardError();
                process.StandardOutput.BaseStream.CopyTo(stderr);
                stderr.Flush();
            }

            process.WaitForExit();
            return process.ExitCode;
        }
        catch (Win32Exception e)
        {
            var why = e.NativeErrorCode switch
            {
                2 => "no such command (is it on PATH?)",
                13 => "permission denied (is it executable?)",
                _ => e.Message,
            };
            error.WriteLine($"layer trace: cannot run '{commandLine[0]}': {why}");
            return 127;
        }
    }

    private static IEnumerable<Observation> Ordered(ReadSet readSet) =>
        readSet.Observations.OrderBy(o => Array.IndexOf(KindOrder, o.Kind)).ThenBy(o => o.Path, StringComparer.Ordinal);

    private static void WriteJson(TextWriter output, int exitCode, ReadSet readSet)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("exitCode", exitCode);
            writer.WriteStartArray("observations");
            foreach (var o in Ordered(readSet))
            {
                writer.WriteStartObject();
                writer.WriteString("kind", o.Kind.ToString().ToLowerInvariant());
                writer.WriteString("path", o.Path);
                if (o.Hash is not null) writer.WriteString("hash", o.Hash);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteText(TextWriter output, ReadSet readSet)
    {
        foreach (var kind in KindOrder)
        {
            var group = Ordered(readSet).Where(o => o.Kind == kind).ToList();
            if (group.Count == 0) continue;
            output.WriteLine($"{kind.ToString().ToLowerInvariant()} ({group.Count}):");
            foreach (var o in group)
            {
                var detail = o.Kind switch
                {
                    ObservationKind.Content or ObservationKind.Listing => o.Hash,
                    ObservationKind.Metadata when o.Metadata is { } m => Describe(m),
                    _ => null,
                };
                var unstable = o.Unstable ? "  (changed while being read: a step would not be cached)" : "";
                output.WriteLine(detail is null ? $"  {Quote(o.Path)}{unstable}" : $"  {Quote(o.Path)}  {detail}{unstable}");
            }
        }

        if (readSet.Observations.Count == 0) output.WriteLine("(nothing was read)");
    }

    private static string Describe(FileMetadata m) => m.Type switch
    {
        EntryType.Symlink => $"symlink -> {m.LinkTarget}",
        EntryType.File => $"file {Convert.ToString(m.Permissions, 8)} {m.Size} bytes",
        EntryType.Directory => $"directory {Convert.ToString(m.Permissions, 8)}",
        _ => $"special file {Convert.ToString(m.Permissions, 8)}",
    };

    // Names with spaces or newlines stay readable and unambiguous on one line.
    private static string Quote(string path) =>
        path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? $"\"{JsonEncodedText.Encode(path)}\"" : path;

    private static string TraceBaseDirectory()
    {
        if (Environment.IsPrivilegedProcess) return "/run/layer";
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(runtime) ? $"/tmp/layer-{Environment.UserName}" : Path.Combine(runtime, "layer");
    }

    // A trace killed by a signal unmounts but cannot remove its folder: remove those of dead processes.
    private static void RemoveLeftovers(string baseDirectory)
    {
        foreach (var directory in Directory.GetDirectories(baseDirectory, "trace-*"))
        {
            if (int.TryParse(Path.GetFileName(directory)["trace-".Length..], out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                TryDelete(directory);
            }
        }
    }

    // Closed to others (DESIGN.md): the mirror serves files their owner alone may read.
    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("layer trace needs Linux (FUSE)");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(Path.Combine(directory, "mnt"), recursive: false);
            Directory.Delete(directory, recursive: false);
        }
        catch (IOException)
        {
        }
    }
}
