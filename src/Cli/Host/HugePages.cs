using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Layer.Cli.Host;

/// <summary>
/// Asks the kernel for transparent huge pages under the GC's allocation area. A no-change `layer run`
/// allocates some 20 MB, all of it fresh memory: 4,900 page faults (each charged to the memory cgroup,
/// most of a millisecond per thousand), a fifth of the run's CPU. Where THP is "madvise" (Debian's
/// default) a huge page is only given to ranges marked MADV_HUGEPAGE; "always" needs nothing and
/// "never" refuses. Only a hint: a failure changes nothing.
/// </summary>
internal static partial class HugePages
{
    private const int MADV_HUGEPAGE = 14;
    private const long HugePage = 2 * 1024 * 1024;

    /// <summary>Marks <paramref name="bytes"/> from where the GC allocates small objects now, and as much from
    /// where it allocates large ones (arrays over 85,000 bytes live in regions of their own).</summary>
    public static void AdviseGcHeap(long bytes)
    {
        // A fresh object sits in the region its kind is allocated from; the GC reserves its regions as one
        // range, so the range after it is where the next allocations of that kind go.
        Advise(new object(), bytes);
        Advise(new byte[LargeObject], bytes);
    }

    private const int LargeObject = 85_000;

    private static unsafe void Advise(object probe, long bytes)
    {
        var address = (long)*(nint*)Unsafe.AsPointer(ref probe);
        _ = MAdvise((nint)(address & ~(HugePage - 1)), (nuint)bytes, MADV_HUGEPAGE);
        GC.KeepAlive(probe);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int MAdvise(nint address, nuint length, int advice);
}
