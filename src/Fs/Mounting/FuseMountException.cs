namespace Layer.Fs.Mounting;

/// <summary>The mirror could not be mounted or unmounted; the message says what to do.</summary>
public sealed class FuseMountException(string message, Exception? inner = null) : Exception(message, inner);
