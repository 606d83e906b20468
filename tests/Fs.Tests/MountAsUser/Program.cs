using System.Diagnostics;
using System.Runtime.InteropServices;
using Layer.Fs;
using Layer.Fs.Mounting;

// Usage: Layer.Fs.MountAsUser HOST MOUNTPOINT ALLOWED-UID|- COMMAND [ARGS...]
// Mounts HOST at MOUNTPOINT as whoever runs it, runs COMMAND inside with one epoch open, prints the
// read set as JSON on stdout and exits with COMMAND's exit code (or 2 with the mount error on stderr).
// Like the CLI, this process owns its signals: SIGINT, SIGTERM or SIGHUP unmounts and exits 128+n.
var signals = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(signal => PosixSignalRegistration.Create(signal, context =>
{
    MirrorMount.UnmountAll();
    Environment.Exit(128 + (context.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGTERM => 15, _ => 1 }));
})).ToArray();
try
{
    using var mirror = MirrorMount.Mount(new MirrorOptions
    {
        HostRoot = args[0],
        Mountpoint = args[1],
        AllowedUid = args[2] == "-" ? null : uint.Parse(args[2]),
    });
    mirror.Tracker.BeginEpoch();
    var start = new ProcessStartInfo(args[3]) { WorkingDirectory = mirror.Mountpoint, RedirectStandardOutput = true };
    foreach (var argument in args.Skip(4)) start.ArgumentList.Add(argument);
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    Console.Error.Write(output);
    Console.WriteLine(mirror.Tracker.EndEpoch().ToJson());
    return process.ExitCode;
}
catch (FuseMountException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
