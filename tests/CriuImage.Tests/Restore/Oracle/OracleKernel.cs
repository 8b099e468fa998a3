using CriuImage.Kernel;

namespace CriuImage.Tests.RestoreOracle;

/// <summary>
/// The target kernels of the oracle's runs as plan takes them. The fake kernel's KFD restore is 6.12.118's: it looks
/// the queue buffers up and checks the event page's size, which no 6.18 release does together with CHANGE_HANDLE
/// (6.18.0 .. 6.18.52 do not look the buffers up; 6.18.0 .. 6.18.15 do not check the page), so each run names its
/// release and states those two facts of it, as a user would with --kernel-has.
/// </summary>
internal static class OracleKernel
{
    /// <summary>The release of each run's kernel: 6.18 with CHANGE_HANDLE, 6.18.36 without.</summary>
    public static string Release(string kernel) => kernel == "no-change-handle" ? "6.18.36" : "6.18.1";

    /// <summary>The options that name the run's kernel to plan.</summary>
    public static string[] Options(string kernel) =>
        ["--target-kernel", Release(kernel), "--kernel-has", $"{KfdReleaseFacts.QueueBuffers}=yes", "--kernel-has", $"{KfdReleaseFacts.EventPageCheck}=yes"];

    /// <summary>The profile those options make.</summary>
    public static KernelProfile Profile(string kernel) => KernelProfile.ForRelease(Release(kernel))!
        .WithKfdFact(KfdReleaseFacts.QueueBuffers, true, "the fake kernel").WithKfdFact(KfdReleaseFacts.EventPageCheck, true, "the fake kernel");
}
