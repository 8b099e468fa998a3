using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Topology;

namespace CriuImage.Restore;

/// <summary>One CRIU and kernel line a dump's restore is replayed with, and how that restore ends.</summary>
/// <param name="Criu">The CRIU versions the row stands for (<c>v3.17..v4.2</c>, <c>criu-dev</c>).</param>
/// <param name="Contents"><c>serial</c> or <c>parallel</c>.</param>
/// <param name="Kernel">The kernel releases the row stands for (<c>6.18.0..6.18.35</c>).</param>
/// <param name="End">How the restore ends there.</param>
public sealed record RestorabilityRow(string Criu, string Contents, string Kernel, RestoreEnding End)
{
    /// <summary>True when the restore comes back as saved.</summary>
    public bool Restores => Unknown is null && End.How == RestoreEndKind.Restored;

    /// <summary>
    /// Why how the restore ends is not known on this line (a kernel release that hides its stable level, whose answer
    /// to a call the restore makes is not known); null when it is.
    /// </summary>
    public string? Unknown { get; init; }
}

/// <summary>
/// Which CRIU versions and kernel lines can restore a dump, and why the others cannot: the replay of CRIU's plugin
/// for each released CRIU (one row: v3.17..v4.2 restore alike), criu-dev on both contents paths, on a kernel of
/// each interval of restore-facts.json.
/// </summary>
public static class Restorability
{
    /// <summary>The kernel intervals, each with the release that stands for it.</summary>
    public static IReadOnlyList<(string Kernel, string Release)> Kernels { get; } = KernelIntervals();

    /// <summary>
    /// Every row for <paramref name="dump"/>, with CRIU's GPU map on <paramref name="host"/> where given; with
    /// <paramref name="target"/> (what the caller states of the target kernel), the target's row uses it: the host's
    /// kernel with the statement, or a row of its own.
    /// </summary>
    public static IReadOnlyList<RestorabilityRow> Of(CriuDump dump, HostTarget? host = null, bool complete = true, KernelProfile? target = null)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var rows = new List<RestorabilityRow>();
        (string Name, CriuVersion Version, bool Parallel)[] criu =
        [
            ($"{RestoreFacts.CriuReleases[0]}..{RestoreFacts.CriuReleases[^1]}", CriuVersion.V4_2, false),
            ("criu-dev", CriuVersion.CriuDev, false),
            ("criu-dev", CriuVersion.CriuDev, true),
        ];
        // A kernel's steps (each render node's calls surveyed from all of its BOs) serve every CRIU's row of that kernel:
        // made once per kernel, one kernel's at a time, and the rows put in CRIU's order.
        var byKernel = new RestorabilityRow[criu.Length, Kernels.Count];
        for (int k = 0; k < Kernels.Count; k++)
        {
            PlanSteps? steps = null;
            for (int v = 0; v < criu.Length; v++)
            {
                (string name, CriuVersion version, bool parallel) = criu[v];
                var options = new ReplayOptions(version, parallel);
                KernelProfile? profile = KernelProfile.ForRelease(Kernels[k].Release);
                steps ??= DumpRestorePlan.Steps(dump, host, profile, complete, options.Words);
                DumpRestorePlan plan = DumpRestorePlan.Create(dump, options, host, profile, complete, steps);
                byKernel[v, k] = new RestorabilityRow(name, parallel ? "parallel" : "serial", Kernels[k].Kernel, Shown(plan.Sequence!)) { Unknown = ByOrder(plan.Sequence!) };
            }
        }

        (string? Label, KernelProfile? Profile) targetRow = TargetRow(host, target);
        PlanSteps? targetSteps = null;
        for (int v = 0; v < criu.Length; v++)
        {
            (string name, CriuVersion version, bool parallel) = criu[v];
            for (int k = 0; k < Kernels.Count; k++)
            {
                rows.Add(byKernel[v, k]);
            }

            if (targetRow is ({ } label, { } profile))
            {
                // The host's own kernel as its release says it, or as the caller states it: where that hides a fact a
                // call depends on, the row says so.
                var options = new ReplayOptions(version, parallel);
                targetSteps ??= DumpRestorePlan.Steps(dump, host, profile, complete, options.Words);
                RestoreSequence sequence = DumpRestorePlan.Create(dump, options, host, profile, complete, targetSteps).Sequence!;
                string? unknown = sequence.Calls.Any(c => c.Ret is null) ? $"the answer of {string.Join(", ", sequence.Calls.Where(c => c.Ret is null).Select(c => c.Call).Distinct())} is not known: {profile.ChangeHandleSource}" : ByOrder(sequence);
                rows.Add(new RestorabilityRow(name, parallel ? "parallel" : "serial", label, Shown(sequence)) { Unknown = unknown });
            }
        }

        return rows;
    }

    /// <summary>
    /// Why a restore that only differs by what the order of the files or the tasks' timing may do (CRI332, CRI334, CRI358) is
    /// not known to come back as saved: it does in one order or timing CRIU may take and not in another; or why the
    /// end of a dump not given whole is not known (with nothing wrong before it); null for any other ending.
    /// </summary>
    private static string? ByOrder(RestoreSequence sequence) =>
        sequence.End.How == RestoreEndKind.Unknown ? (sequence.Differences.All(d => d.Code?.Severity == Severity.Warning) ? sequence.End.Message : null)
        : sequence.End.How != RestoreEndKind.Differs ? null
        : sequence.Differences.All(d => d.Code == Descriptors.RetryMayCloseStdin)
            ? $"it comes back as saved unless CRIU restores a render node before the file that exports its import ({sequence.End.Code!.Id}); the order is {sequence.OrderWhy}"
        : sequence.Differences.All(d => d.Code == Descriptors.RetryMayCloseStdin || d.Code == Descriptors.CrossTaskImportWait)
            ? $"it comes back as saved unless a task's import waits for another task's export, which timing decides ({Descriptors.CrossTaskImportWait.Id})"
        : sequence.Differences.All(d => d.Code == Descriptors.RetryMayCloseStdin || d.Code == Descriptors.TaskOrderEndsOtherwise)
            ? $"it comes back as saved in CRIU's task order, not in every order the tasks can take, which timing decides ({Descriptors.TaskOrderEndsOtherwise.Id}): {sequence.TaskOrdersWhy}"
        : null;

    /// <summary>The ending a row says: the end, but where a dump not given whole ends unknown, a difference that is wrong before it.</summary>
    private static RestoreEnding Shown(RestoreSequence sequence) =>
        sequence.End.How == RestoreEndKind.Unknown && sequence.Differences.FirstOrDefault(d => d.Code?.Severity != Severity.Warning) is { } wrong ? wrong : sequence.End;

    /// <summary>The row of the target kernel: the host's release, with what the caller states of it where it does; none without either.</summary>
    private static (string? Label, KernelProfile? Profile) TargetRow(HostTarget? host, KernelProfile? target) => (host, target) switch
    {
        ({ KernelRelease: { } release }, { } stated) => ($"{release} (the host's; {stated.ChangeHandleSource})", stated),
        ({ KernelRelease: { } release, Profile: { } profile }, null) => ($"{release} (the host's)", profile),
        (_, { } stated) => ($"{stated.Name} ({stated.ChangeHandleSource})", stated),
        _ => (null, null),
    };

    private static List<(string, string)> KernelIntervals()
    {
        KernelLevel added = RestoreFacts.ChangeHandleAdded;
        var list = new List<(string, string)> { ($"before {added.Major}.{added.Minor}", $"{added.Major}.{added.Minor - 1}.0") };
        foreach ((KernelLevel from, _, _) in RestoreFacts.ChangeHandleRemoved.OrderBy(r => (r.From.Major, r.From.Minor)))
        {
            if (from.Rc is { } rc)
            {
                list.Add(($"{from.Major}.{from.Minor}-rc1..rc{rc - 1}", $"{from.Major}.{from.Minor}.0-rc1"));
                list.Add(($"{from.Major}.{from.Minor}-rc{rc} and later", $"{from.Major}.{from.Minor}.0-rc{rc}"));
            }
            else
            {
                string before = $"{from.Major}.{from.Minor}.{from.Patch - 1}";
                list.Add(($"{from.Major}.{from.Minor}.0..{before}", before));
                list.Add(($"{from} and later", from.ToString()));
            }
        }

        return list;
    }
}
