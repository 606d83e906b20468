namespace Layer.Parser;

/// <summary>A parsed value and the logical-line offsets [Start, End) it came from; resolved into an <see cref="Argument"/> against the line's map.</summary>
internal readonly record struct Piece(string Value, int Start, int End);

/// <summary>
/// What the grammar yields for one instruction: a function that, given the logical line's position map,
/// builds the typed instruction and adds the diagnostics its arguments deserve (a SPLIT of 0, a bad
/// MEMORY unit). The grammar itself is static, so positions are resolved afterwards, here.
/// </summary>
internal delegate Instruction Build(LineMap map, List<Diagnostic> diagnostics);
