using CriuImage.Kernel;

namespace CriuImage.Tests.RestoreOracle;

/// <summary>
/// The target kernels of the oracle's runs as plan takes them (harness/fake_kernel.c lists them). <c>6.18</c> and
/// <c>no-change-handle</c> have 6.12.118's KFD restore: it looks the queue buffers up and checks the event page's size,
/// which no 6.18 release does together with CHANGE_HANDLE (6.18.0 .. 6.18.52 do not look the buffers up; 6.18.0 ..
/// 6.18.15 do not check the page), so each names its release and states those two facts of it, as a user would with
/// --kernel-has. The others are releases whose facts restore-facts.json answers in full (6.18.20: no buffer lookup,
/// no MES check, a MES GPU's queue oopses; 6.18.53: the lookup, no CHANGE_HANDLE; 7.2.13: the MES refusal, the
/// queue types without DIQ): plan is given the release alone.
/// </summary>
internal static class OracleKernel
{
    /// <summary>The releases the fake kernel is run as, besides the two kernels of 6.12.118's KFD restore.</summary>
    public static IReadOnlyList<string> Releases { get; } = ["6.18.20", "6.18.53", "7.2.13"];

    /// <summary>The release of each run's kernel: 6.18 with CHANGE_HANDLE, 6.18.36 without, or the release the run is.</summary>
    public static string Release(string kernel) => kernel switch
    {
        "no-change-handle" => "6.18.36",
        "6.18" => "6.18.1",
        _ => kernel,
    };

    /// <summary>The options that name the run's kernel to plan.</summary>
    public static string[] Options(string kernel) => Releases.Contains(kernel)
        ? ["--target-kernel", kernel]
        : ["--target-kernel", Release(kernel), "--kernel-has", $"{KfdReleaseFacts.QueueBuffers}=yes", "--kernel-has", $"{KfdReleaseFacts.EventPageCheck}=yes"];

    /// <summary>The profile those options make.</summary>
    public static KernelProfile Profile(string kernel) => Releases.Contains(kernel)
        ? KernelProfile.ForRelease(kernel)!
        : KernelProfile.ForRelease(Release(kernel))!
            .WithKfdFact(KfdReleaseFacts.QueueBuffers, true, "the fake kernel").WithKfdFact(KfdReleaseFacts.EventPageCheck, true, "the fake kernel");
}
