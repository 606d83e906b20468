namespace Layer.Engine.Running;

/// <summary>A BUTTON to ask about: the Layerfile (repository-relative), its line and its message.</summary>
public sealed record ButtonQuestion(string Layerfile, int Line, string Message);
