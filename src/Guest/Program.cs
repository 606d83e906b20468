using System.Runtime.InteropServices;
using Layer.Guest;

if (args.Length > 0 && args[0] == "--exec-as") return ExecAs.Run(args);

AgentOptions options;
try
{
    options = AgentOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"layer-agent: {e.Message}");
    return 2;
}

var isInit = Environment.ProcessId == 1;
// PID 1 must not die of a stray SIGTERM/SIGINT (the kernel would panic); as an
// ordinary process the agent becomes a subreaper instead, so orphans of its
// commands come back to it exactly as they would to PID 1.
using var term = isInit ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = true) : null;
using var intr = isInit ? PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true) : null;
if (!isInit) Interop.Sys.prctl(Interop.Sys.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

// Runs and file transfers block threads on purpose; a 1-vCPU guest would
// otherwise inject pool threads slowly.
ThreadPool.SetMinThreads(16, 4);

var selfPath = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: true)?.FullName ?? Environment.ProcessPath!;
var reaper = new ChildReaper();

while (true)
{
    Stream stream;
    try
    {
        stream = LinkOpener.Open(options);
    }
    catch (Exception e) when (e is IOException or SyscallException)
    {
        AgentServer.Log($"cannot open the link to the host: {e.Message}");
        if (!isInit) return 1;
        Thread.Sleep(1000);
        continue;
    }

    var server = new AgentServer(options, stream, reaper, selfPath);
    server.Serve();
    // Serve returns when a socket or stdio link closed: the host is gone, so
    // are the readers of any output; stop the commands and leave.
    server.KillAll();
    stream.Dispose();
    if (!isInit) return 0;
}
