namespace Layer.Vm.Agent;

/// <summary>Anything that went wrong talking to the guest agent.</summary>
public abstract class AgentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The link to the agent closed or broke: the guest crashed, powered off, or its
/// domain was destroyed. Every request in flight and every later one fails with
/// it. The machine layer knows the console log and adds its last lines with
/// <see cref="WithConsoleTail"/> before showing it.
/// </summary>
public sealed class AgentDisconnectedException(string message, Exception? inner = null) : AgentException(message, inner)
{
    public AgentDisconnectedException WithConsoleTail(string consoleTail) =>
        new($"{Message}\nlast console lines:\n{consoleTail.TrimEnd()}", InnerException);
}

/// <summary>
/// The two sides disagree on the wire format: a frame that cannot be decoded,
/// a reply of the wrong type, a different protocol version, or the agent
/// rejecting a frame it could not read. The link is unusable afterwards.
/// </summary>
public sealed class AgentProtocolException(string message) : AgentException(message);

/// <summary>The agent understood a request and reports that it failed (Error frame); the link is fine.</summary>
public sealed class AgentRequestException(string operation, int errno, string guestMessage)
    : AgentException($"{operation} failed in the guest: {guestMessage}")
{
    /// <summary>Linux errno of the failed call in the guest, 0 where none applies.</summary>
    public int Errno { get; } = errno;

    public string GuestMessage { get; } = guestMessage;
}
