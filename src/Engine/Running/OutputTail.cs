using System.Text;

namespace Layer.Engine.Running;

/// <summary>The last lines of a step's output, kept to show when the step fails.</summary>
internal sealed class OutputTail(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private readonly Lock _lock = new();

    public void Add(string text)
    {
        lock (_lock)
        {
            foreach (var c in text)
            {
                if (c == '\n')
                {
                    Push(_partial.ToString());
                    _partial.Clear();
                }
                else if (c != '\r')
                {
                    _partial.Append(c);
                }
            }
        }
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_lock)
        {
            var lines = _lines.ToList();
            if (_partial.Length > 0) lines.Add(_partial.ToString());
            return lines.Count > capacity ? lines[^capacity..] : lines;
        }
    }

    private void Push(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity) _lines.Dequeue();
    }
}

/// <summary>Turns output chunks into text without splitting a UTF-8 sequence across two chunks.</summary>
internal sealed class Utf8Stream(Action<string> onText)
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly Lock _lock = new();

    public void Write(ReadOnlyMemory<byte> bytes)
    {
        lock (_lock)
        {
            var chars = new char[_decoder.GetCharCount(bytes.Span, flush: false)];
            var count = _decoder.GetChars(bytes.Span, chars, flush: false);
            if (count > 0) onText(new string(chars, 0, count));
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            var chars = new char[8];
            var count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, chars, flush: true);
            if (count > 0) onText(new string(chars, 0, count));
        }
    }
}
