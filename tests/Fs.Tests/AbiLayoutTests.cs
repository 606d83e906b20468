using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Layer.Fs.Native;
using Layer.Fs.Protocol;

namespace Layer.Fs.Tests;

/// <summary>
/// Every struct we mirror from a C header is checked against that header by the C compiler:
/// the test writes one `_Static_assert(offsetof(struct X, f) == N)` per field and one sizeof check
/// per struct, with N taken from our C# layout, and compiles it with gcc.
/// </summary>
public sealed class AbiLayoutTests
{
    // Structs that end in a flexible array in C (fuse_dirent's name[]) are mirrored without it;
    // C's sizeof leaves it out too, so the sizes still match.
    private static readonly Type[] Mirrored = typeof(fuse_attr).Assembly.GetTypes()
        .Where(t => t.IsValueType && t.Namespace == typeof(fuse_attr).Namespace && t.Name.StartsWith("fuse_", StringComparison.Ordinal) && !t.IsEnum)
        .Concat(new[]
        {
            typeof(Interop.Libc.statx), typeof(Interop.Libc.statx_timestamp), typeof(Interop.Libc.open_how),
            typeof(Interop.Libc.statvfs), typeof(Interop.Libc.iovec), typeof(Interop.Libc.msghdr),
        })
        .ToArray();

    // Members newer than the header of Debian 12's linux-libc-dev (protocol 7.38), by "struct" or
    // "struct.field": checked when the header has them; against an older header, a new field must sit
    // where the word it took over was (the offset given), and a new struct is not checked.
    private static readonly Dictionary<string, (int Minor, string? OlderField)> Newer = new()
    {
        ["fuse_backing_map"] = (40, null),
        ["fuse_open_out.backing_id"] = (40, "padding"),
        ["fuse_init_out.max_stack_depth"] = (40, "unused"),
        ["fuse_init_out.unused"] = (40, null),
    };

    [Fact]
    public void Every_fuse_struct_of_the_protocol_is_checked()
    {
        var names = Mirrored.Select(t => t.Name).ToHashSet();
        foreach (var expected in new[] { "fuse_in_header", "fuse_out_header", "fuse_init_in", "fuse_init_out", "fuse_entry_out", "fuse_attr", "fuse_read_in", "fuse_dirent", "fuse_direntplus", "fuse_kstatfs" })
        {
            Assert.Contains(expected, names);
        }
    }

    [Fact]
    public void Layouts_match_the_c_headers()
    {
        if (!File.Exists("/usr/include/linux/fuse.h")) Assert.Fail("needs /usr/include/linux/fuse.h: apt-get install linux-libc-dev");
        var c = new StringBuilder();
        c.AppendLine("#define _GNU_SOURCE");
        c.AppendLine("#include <stddef.h>");
        c.AppendLine("#include <linux/fuse.h>");
        c.AppendLine("#include <linux/openat2.h>");
        c.AppendLine("#include <linux/stat.h>");
        c.AppendLine("#include <sys/statvfs.h>");
        c.AppendLine("#include <sys/socket.h>");
        c.AppendLine("#include <sys/uio.h>");
        var checks = 0;
        foreach (var type in Mirrored)
        {
            var size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
            var newType = Newer.TryGetValue(type.Name, out var typeSince);
            if (newType) c.AppendLine($"#if FUSE_KERNEL_MINOR_VERSION >= {typeSince.Minor}");
            c.AppendLine($"_Static_assert(sizeof(struct {type.Name}) == {size}, \"sizeof(struct {type.Name}) is not {size}\");");
            checks++;
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                var offset = Marshal.OffsetOf(type, field.Name);
                var check = $"_Static_assert(offsetof(struct {type.Name}, {{0}}) == {offset}, \"offsetof(struct {type.Name}, {{0}}) is not {offset}\");";
                if (Newer.TryGetValue($"{type.Name}.{field.Name}", out var since))
                {
                    c.AppendLine($"#if FUSE_KERNEL_MINOR_VERSION >= {since.Minor}");
                    c.AppendLine(string.Format(check, field.Name));
                    if (since.OlderField is { } older)
                    {
                        c.AppendLine("#else");
                        c.AppendLine(string.Format(check, older));
                    }

                    c.AppendLine("#endif");
                }
                else
                {
                    c.AppendLine(string.Format(check, field.Name));
                }

                checks++;
            }

            if (newType) c.AppendLine("#endif");
        }

        var dir = Directory.CreateTempSubdirectory("layer-abi-").FullName;
        try
        {
            var source = Path.Combine(dir, "abi.c");
            File.WriteAllText(source, c.ToString());
            var (code, _, stderr) = TestMirror.Run("gcc", new[] { "-std=c11", "-fsyntax-only", "-Wall", "-Werror", source });
            Assert.True(code == 0, $"gcc rejected the layouts:\n{stderr}");
            Assert.True(checks > 150, $"only {checks} checks");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
