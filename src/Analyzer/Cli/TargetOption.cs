using System.CommandLine;

namespace CriuImage.Analyzer.Cli;

/// <summary>The <c>--target KERNEL</c> option of the commands that judge a restore (plan, verify), declared once.</summary>
internal static class TargetOption
{
    /// <summary><c>--target KERNEL</c>, shared with verify: one of <see cref="KernelProfile.All"/>; absent means the generation that produced the image's revision.</summary>
    public static Option<string?> Create()
    {
        var target = new Option<string?>("--target") { Description = "Kernel the image is restored on: " + string.Join(", ", KernelProfile.All.Select(p => p.Name)) + " (default: the one that produced the image's revision)." };
        target.AcceptOnlyFromAmong([.. KernelProfile.All.Select(p => p.Name)]);
        return target;
    }

    /// <summary>The profile named on the command line, or null for each image's default.</summary>
    public static KernelProfile? Profile(string? name) => name is not null && KernelProfile.TryParse(name, out KernelProfile profile) ? profile : null;
}
