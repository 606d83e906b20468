using System.Text;

namespace Layer.Vm.Machines;

/// <summary>The guest's serial console, which libvirt writes to a file; read for errors and boot progress.</summary>
internal sealed class ConsoleLog
{
    public ConsoleLog(string path) => Path = path;

    public string Path { get; }

    public string ReadAll()
    {
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>The last <paramref name="count"/> non-empty lines, carriage returns removed.</summary>
    public IReadOnlyList<string> LastLines(int count = 20)
    {
        var lines = ReadAll().Replace("\r", "").Split('\n').Where(l => l.Length > 0).ToList();
        return lines.Skip(Math.Max(0, lines.Count - count)).ToList();
    }
}
