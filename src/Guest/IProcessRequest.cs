namespace Layer.Guest;

/// <summary>A request that owns a running command (Run, Interactive): what the server does to it while it runs.</summary>
internal interface IProcessRequest
{
    /// <summary>Runs to the end on the calling thread, sending every frame (Exit or Error last).</summary>
    void Execute();

    /// <summary>Sends a signal to the command's process group.</summary>
    void Signal(int signal);
}
