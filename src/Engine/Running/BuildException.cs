namespace Layer.Engine.Running;

/// <summary>
/// A build that cannot start or go on for a reason the user can fix (a bad Layerfile, a missing
/// parent, an unset secret). The message is complete and ready to print; no stack trace is shown.
/// </summary>
public sealed class BuildException(string message, Exception? inner = null) : Exception(message, inner);
