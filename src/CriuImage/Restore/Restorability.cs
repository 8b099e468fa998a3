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
                byKernel[v, k] = new RestorabilityRow(name, parallel ? "parallel" : "serial", Kernels[k].Kernel, Shown(plan.Sequence!)) { Unknown = Unknown(plan.Sequence!, profile!) };
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
                rows.Add(new RestorabilityRow(name, parallel ? "parallel" : "serial", label, Shown(sequence)) { Unknown = Unknown(sequence, profile) });
            }
        }

        return rows;
    }

    /// <summary>Why the row's ending is not known: a call whose answer the target's release does not say, or the order or timing (ByOrder).</summary>
    private static string? Unknown(RestoreSequence sequence, KernelProfile profile)
    {
        // Only a target that leaves an answer open can have a call without one: the calls (re-made by the replay where the
        // sequence does not hold them) are gone through only then.
        if (profile.ChangeHandle is not null && !sequence.Differences.Any(d => d.Code == Descriptors.KfdTargetFactUnknown))
        {
            return ByOrder(sequence);
        }

        // A call without a return that ends the restore (a kernel oops) is no unknown answer.
        // Nor is one before a certain failure: the restore fails whichever the answer is, only where is not known.
        List<string> open = sequence.End.How is RestoreEndKind.Fails or RestoreEndKind.Crashes && sequence.End.At is not null && sequence.Calls.Take(sequence.End.At.Value).All(c => c.Call != "DRM_IOCTL_GEM_CHANGE_HANDLE" || c.Ret is not null)
            ? [] : [.. sequence.Calls.Where((c, i) => c.Ret is null && i != sequence.End.At).Select(c => c.Call).Distinct()];
        string why = sequence.Differences.FirstOrDefault(d => d.Code == Descriptors.KfdTargetFactUnknown)?.Message ?? profile.ChangeHandleSource;
        return open.Count > 0 ? $"the answer of {string.Join(", ", open)} is not known: {why}" : ByOrder(sequence);
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
        // Every release where an answer changes within a line: CHANGE_HANDLE's removal, and the first release of each
        // span of the KFD release facts and the one after it. A line's releases between two of them answer alike.
        KernelLevel added = RestoreFacts.ChangeHandleAdded;
        List<KernelLevel> points = [.. RestoreFacts.ChangeHandleRemoved.Select(r => r.From), .. KfdReleaseFacts.Boundaries];
        var list = new List<(string, string)> { ($"before {added.Major}.{added.Minor}", $"{added.Major}.{added.Minor - 1}.0") };
        foreach (var line in points.Where(p => (p.Major, p.Minor).CompareTo((added.Major, added.Minor)) >= 0).GroupBy(p => (p.Major, p.Minor)).OrderBy(g => g.Key))
        {
            List<KernelLevel> starts = [.. line.Distinct().OrderBy(Order)];
            KernelLevel first = starts.Any(p => p.Rc is not null) ? new(line.Key.Major, line.Key.Minor, 0, 1) : new(line.Key.Major, line.Key.Minor, 0, null);
            if (Order(starts[0]).CompareTo(Order(first)) > 0)
            {
                starts.Insert(0, first);
            }

            for (int i = 0; i < starts.Count; i++)
            {
                string label = i + 1 < starts.Count ? Span(starts[i], Before(starts[i + 1])) : $"{starts[i]} and later";
                list.Add((label, Release(starts[i])));
            }
        }

        if (KfdReleaseFacts.After is { } after)
        {
            list.Add(($"{after.Major}.{after.Minor + 1} and later", $"{after.Major}.{after.Minor + 1}.0"));
        }

        return list;
    }

    private static (int, int) Order(KernelLevel l) => l.Rc is { } rc ? (0, rc) : (1, l.Patch ?? 0);

    private static KernelLevel Before(KernelLevel l) => l.Rc is { } rc ? l with { Rc = rc - 1 } : l.Patch is 0 ? l with { Rc = int.MaxValue } : l with { Patch = l.Patch - 1 };

    private static string Span(KernelLevel from, KernelLevel through) =>
        from == through ? $"{from}"
        : from.Rc is not null && through.Rc is not null ? $"{from}..rc{through.Rc}"
        : through.Rc == int.MaxValue ? $"{from}..rc (the last)"
        : $"{from}..{through}";

    // The release string plan reads: a release candidate as MAJOR.MINOR.0-rcN.
    private static string Release(KernelLevel l) => l.Rc is { } rc ? $"{l.Major}.{l.Minor}.0-rc{rc}" : $"{l}";
}
