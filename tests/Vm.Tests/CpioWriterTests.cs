using System.Diagnostics;
using Layer.Vm.Images;

namespace Layer.Vm.Tests;

public sealed class CpioWriterTests
{
    [Fact]
    public void Writes_an_archive_that_cpio_extracts()
    {
        var folder = Directory.CreateTempSubdirectory("layer-cpio-");
        try
        {
            var archive = Path.Combine(folder.FullName, "a.cpio");
            using (var file = File.Create(archive))
            using (var cpio = new CpioWriter(file))
            {
                cpio.AddDirectory("bin");
                cpio.AddFile("bin/tool", "#!/bin/sh\necho hi\n"u8, mode: 0x1ED);
                cpio.AddFile("odd", new byte[] { 0, 1, 2, 255, 7 });
                cpio.AddSymlink("bin/sh", "tool");
            }

            var extracted = Directory.CreateDirectory(Path.Combine(folder.FullName, "out")).FullName;
            var info = new ProcessStartInfo("cpio", ["-i", "--quiet", "-d", "-F", archive]) { WorkingDirectory = extracted };
            using (var process = Process.Start(info)!)
            {
                process.WaitForExit();
                Assert.Equal(0, process.ExitCode);
            }

            Assert.Equal("#!/bin/sh\necho hi\n", File.ReadAllText(Path.Combine(extracted, "bin/tool")));
            Assert.True(File.GetUnixFileMode(Path.Combine(extracted, "bin/tool")).HasFlag(UnixFileMode.UserExecute));
            Assert.Equal(new byte[] { 0, 1, 2, 255, 7 }, File.ReadAllBytes(Path.Combine(extracted, "odd")));
            Assert.Equal("tool", new FileInfo(Path.Combine(extracted, "bin/sh")).LinkTarget);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
