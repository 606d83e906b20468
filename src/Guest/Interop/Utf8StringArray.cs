using System.Runtime.InteropServices;

namespace Layer.Guest;

/// <summary>A NULL-terminated <c>char*[]</c> of UTF-8 strings in native memory, for argv and envp.</summary>
internal sealed unsafe class Utf8StringArray : IDisposable
{
    private readonly byte** _array;
    private readonly int _count;

    public Utf8StringArray(IReadOnlyList<string> values)
    {
        _count = values.Count;
        _array = (byte**)NativeMemory.AllocZeroed((nuint)(_count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < _count; i++)
        {
            if (values[i].Contains('\0')) { Dispose(); throw new ArgumentException($"argument or variable {i} contains a NUL byte"); }
            _array[i] = (byte*)Marshal.StringToCoTaskMemUTF8(values[i]);
        }
    }

    public byte** Pointer => _array;

    public void Dispose()
    {
        for (var i = 0; i < _count; i++)
            if (_array[i] != null) Marshal.FreeCoTaskMem((nint)_array[i]);
        NativeMemory.Free(_array);
    }
}
