using Layer.Engine.Running;

namespace Layer.Cli.Terminal;

/// <summary>
/// Asks about a BUTTON on the terminal: shows the message and waits for Enter or y (go on) or n (stop,
/// the Layerfile ends as waiting). Layerfiles running at once ask one after the other.
/// </summary>
internal sealed class ButtonPrompt(TextWriter output, TextReader input)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<bool> AskAsync(ButtonQuestion question, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            output.Write($"?? {question.Layerfile}:{question.Line}: BUTTON {question.Message}\n?? go on? [Y/n] ");
            output.Flush();
            // ReadLine cannot be cancelled: on Ctrl-C the wait ends and the read is abandoned with the process.
            var line = await Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);
            return line is not null && line.Trim().ToLowerInvariant() is "" or "y" or "yes";
        }
        finally
        {
            _one.Release();
        }
    }
}
