using Layer.Vm.Images;

namespace Layer.Vm.Tests;

public sealed class ImageInputTests
{
    [Fact]
    public void Modules_load_after_everything_they_depend_on()
    {
        string[] modulesDep =
        [
            "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko",
            "kernel/fs/jbd2/jbd2.ko:",
            "kernel/fs/mbcache.ko:",
            "kernel/lib/crc16.ko:",
            "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko",
            "kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko",
            "kernel/fs/netfs/netfs.ko:",
            "kernel/net/9p/9pnet.ko:",
            "kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko",
            "kernel/drivers/virtio/virtio.ko:",
        ];

        var order = GuestKernel.ModuleLoadOrder(modulesDep, ["9pnet_virtio", "9p", "ext4"]);

        Assert.Equal(order.Count, order.Distinct().Count());
        Assert.Equal(10, order.Count);
        void Before(string first, string then) => Assert.True(order.ToList().IndexOf(first) < order.ToList().IndexOf(then), $"{first} before {then}: {string.Join(' ', order)}");
        Before("virtio", "9pnet_virtio");
        Before("9pnet", "9pnet_virtio");
        Before("netfs", "fscache");
        Before("fscache", "9p");
        Before("jbd2", "ext4");
        Before("crc16", "ext4");
    }

    [Fact]
    public void A_module_file_named_with_dashes_is_found_by_its_name_with_underscores()
    {
        string[] modulesDep =
        [
            "kernel/arch/x86/crypto/crc32c-intel.ko: kernel/crypto/crypto-simd.ko",
            "kernel/crypto/crypto-simd.ko:",
            "kernel/crypto/crc32c_generic.ko:",
        ];

        Assert.Equal(["crypto_simd", "crc32c_intel", "crc32c_generic"], GuestKernel.ModuleLoadOrder(modulesDep, ["crc32c_intel", "crc32c_generic"]));
    }

    [Fact]
    public void A_module_the_kernel_lacks_is_an_error_naming_it()
    {
        var error = Assert.Throws<ImageBuildException>(() => GuestKernel.ModuleLoadOrder(["kernel/a.ko:"], ["virtio_fs"]));
        Assert.Contains("virtio_fs", error.Message);
    }

    [Fact]
    public void Ldd_output_gives_the_library_paths_to_copy()
    {
        const string ldd = """
                	linux-vdso.so.1 (0x00007ffd4f5e2000)
                	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0c0b8f1000)
                	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c0b710000)
                	/lib64/ld-linux-x86-64.so.2 (0x00007f0c0b9f2000)
                """;
        Assert.Equal(["/lib/x86_64-linux-gnu/libm.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"], Staging.ParseLdd(ldd));
    }

    [Fact]
    public void The_debian_mirror_is_the_first_non_security_deb822_stanza()
    {
        const string sources = """
                Types: deb
                URIs: http://mirror.example/debian
                Suites: bookworm bookworm-updates

                Types: deb
                URIs: http://deb.debian.org/debian-security
                Suites: bookworm-security
                """;
        Assert.Equal("http://mirror.example/debian", DebootstrapRecipe.MirrorFromDeb822(sources));
        Assert.Null(DebootstrapRecipe.MirrorFromDeb822("Types: deb\nURIs: http://x/debian-security\n"));
    }

    [Fact]
    public void Ubuntu_defaults_to_the_ubuntu_archive_and_an_unreachable_mirror_says_what_to_set()
    {
        var saved = Environment.GetEnvironmentVariable(DebootstrapRecipe.UbuntuMirrorVariable);
        try
        {
            Environment.SetEnvironmentVariable(DebootstrapRecipe.UbuntuMirrorVariable, null);
            Assert.Contains("mirror=" + DebootstrapRecipe.UbuntuArchive + " ", ImageStore.Recipe("vm/ubuntu:18.04").RecipeText);

            // Port 9 (discard) on loopback: nothing answers, as where the archive is out of reach.
            Environment.SetEnvironmentVariable(DebootstrapRecipe.UbuntuMirrorVariable, "http://127.0.0.1:9/ubuntu");
            var recipe = (DebootstrapRecipe)ImageStore.Recipe("vm/ubuntu:18.04");
            Assert.Contains("mirror=http://127.0.0.1:9/ubuntu ", recipe.RecipeText);
            if (!File.Exists("/usr/share/keyrings/ubuntu-archive-keyring.gpg"))
            {
                Assert.True(Environment.GetEnvironmentVariable("CI") is null, "scripts/host-setup installs ubuntu-keyring");
                Assert.Contains("ubuntu-keyring", Assert.Throws<ImageBuildException>(() => recipe.CheckSources("http://127.0.0.1:9/ubuntu")).Message);
                return;
            }

            var error = Assert.Throws<ImageBuildException>(() => recipe.CheckSources("http://127.0.0.1:9/ubuntu"));
            Assert.Contains("http://127.0.0.1:9/ubuntu/dists/bionic/Release", error.Message);
            Assert.Contains("LAYER_UBUNTU_MIRROR", error.Message);
            Assert.Contains("vm/debian:12", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DebootstrapRecipe.UbuntuMirrorVariable, saved);
        }
    }

    [Fact]
    public void An_unknown_image_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ImageBuildException>(() => ImageStore.Recipe("vm/alpine"));
        Assert.Contains("vm/busybox", error.Message);
    }

    [Fact]
    public void Kernel_releases_order_by_their_numbers()
    {
        string[] releases = ["6.1.0-9-amd64", "6.1.0-56-amd64", "5.10.0-30-amd64", "6.1.0-10-amd64"];
        Assert.Equal(["5.10.0-30-amd64", "6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-56-amd64"], releases.Order(GuestKernel.VersionOrder.Instance));
    }
}
