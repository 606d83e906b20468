using System.Runtime.InteropServices;
using Layer.Fs;
using Layer.Vm.Machines;

namespace Layer.Cli.Terminal;

/// <summary>
/// The one owner of the process's termination signals (SIGINT, SIGTERM, SIGHUP): the first turns into
/// cancellation, so the command unwinds through its own cleanup (machines destroyed, mirrors unmounted,
/// records written whole) and can say it was interrupted; a second one stops at once, after pulling the plug
/// on every machine and mirror of this process. The same cleanup runs, idempotently, when the process exits
/// by any other way than a kill (the last chance). Fs and Vm install no handlers of their own.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public Interruption()
    {
        _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref _signals) == 1)
            {
                Console.Error.WriteLine("layer: stopping (press Ctrl-C again to stop at once)");
                _source.Cancel();
                return;
            }

            StopEverything();
            Console.Error.WriteLine("layer: stopped at once");
            Environment.Exit(Commands.ExitCodes.Interrupted);
        }))];
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopEverything();
    }

    /// <summary>Cancelled at the first termination signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Destroys every machine and unmounts every mirror this process has (both idempotent).</summary>
    private static void StopEverything()
    {
        VmHost.DestroyAllInProcess();
        MirrorMount.UnmountAll();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
