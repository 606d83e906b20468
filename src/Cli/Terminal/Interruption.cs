using System.Runtime.InteropServices;

namespace Layer.Cli.Terminal;

/// <summary>
/// Turns Ctrl-C and SIGTERM into cancellation for the command's lifetime, so the build unwinds through
/// its own cleanup (machines destroyed, workspace unmounted: the VM and FUSE layers also do that from
/// their own signal handlers) and the command can say it was interrupted and exit 130, instead of the
/// process dying mid-write.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;

    public Interruption(CancellationToken outer)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            _source.Cancel();
        }))];
    }

    public CancellationToken Token => _source.Token;

    public bool Requested => _source.IsCancellationRequested;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
