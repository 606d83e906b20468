namespace Layer.Vm.Images;

/// <summary>A base image could not be built or found; the message says what to do.</summary>
public sealed class ImageBuildException : Exception
{
    public ImageBuildException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
