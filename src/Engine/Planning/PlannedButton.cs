namespace Layer.Engine.Planning;

/// <summary>
/// A <c>BUTTON</c>: the run asks before unit <see cref="BeforeUnit"/> (<c>Units.Count</c>: after the last
/// one). A button always sits between units (the planner closes a CHECKPOINT-disabled group at it) and is
/// never part of a key: approving changes nothing on the disk, so cached steps after it stay cached, but
/// the question is asked on every run, as webapp.io does.
/// </summary>
public sealed record PlannedButton(int Line, string Message, int BeforeUnit);
