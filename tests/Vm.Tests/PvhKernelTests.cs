using Layer.Vm.Images;

namespace Layer.Vm.Tests;

public sealed class PvhKernelTests
{
    [Fact]
    public void Unpacks_the_hosts_guest_kernel_into_an_elf_image()
    {
        var kernel = GuestKernel.FindOnHost();
        var output = Path.GetTempFileName();
        try
        {
            Assert.True(PvhKernel.Supported(kernel), "Debian's linux-image-amd64 has CONFIG_PVH=y");
            Assert.True(PvhKernel.TryExtract(kernel.VmlinuzPath, output));
            var head = File.ReadAllBytes(output).AsSpan(0, 4).ToArray();
            Assert.Equal(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, head);
            Assert.True(new FileInfo(output).Length > 2 * new FileInfo(kernel.VmlinuzPath).Length);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void A_kernel_without_an_xz_payload_is_left_to_the_bzimage_path()
    {
        var fake = Path.GetTempFileName();
        var output = fake + ".elf";
        try
        {
            File.WriteAllBytes(fake, new byte[4096]);
            Assert.False(PvhKernel.TryExtract(fake, output));
            Assert.False(File.Exists(output));
        }
        finally
        {
            File.Delete(fake);
        }
    }
}
