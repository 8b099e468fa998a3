using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// The endings of a dump's restore that only the replay of CRIU's plugin finds (CRI325-CRI330, CRI332-CRI334, CRI340, CRI355 (another plugin's file), CRI358, and CRI350-CRI354 of the process images:
/// the restore init's crash, imports resolved by number, contents written into an exporter, descriptor 0 closed,
/// certainly or by an order not known, the parallel quit command, a CRIU that cannot restore the dump's state, a render
/// node restored before any GPU map, a task that may wait for ever for another task's export, an order of the tasks
/// that ends otherwise, KFD private data the
/// kernel refuses): each reported on the file being restored when it happens.
/// The other endings have their own rules (CRI307, CRI308, CRI310-CRI312, CRI315, CRI324, CRI416).
/// </summary>
public static class ReplayRules
{
    private static readonly HashSet<DiagnosticDescriptor> Codes =
    [
        Descriptors.CriuInitCrashes,
        Descriptors.ImportByNumber,
        Descriptors.ImportContentsIntoExporter,
        Descriptors.RetryClosesStdin,
        Descriptors.RetryMayCloseStdin,
        Descriptors.ParallelQuitCommand,
        Descriptors.CriuVersionCannotRestore,
        Descriptors.RenderNodeBeforeKfd,
        Descriptors.CrossTaskImportWait,
        Descriptors.TaskOrderEndsOtherwise,
        Descriptors.KfdPrivateDataRefused,
        Descriptors.KfdTargetFactUnknown,
        Descriptors.KfdQueueRestoredAs,
        Descriptors.ProcessTreeUnreadable,
        Descriptors.TaskCoreUnusable,
        Descriptors.TaskFdUncollectable,
        Descriptors.FileNotRestored,
        Descriptors.ThreadCoreUnusable,
        Descriptors.OtherPluginsFile,
    ];

    /// <summary>
    /// Replays the restore of <paramref name="dump"/> by the CRIU <paramref name="replay"/> names (else the one that
    /// wrote it, <see cref="CriuWriter.Of"/>), on <paramref name="host"/> and <paramref name="target"/>, and returns
    /// its endings, each with the file being restored when it happens (<c>verify</c> passes it as
    /// <see cref="Verification.VerifyOptions.DumpReplay"/>). The contents path is the one named, else the one the dump
    /// says (<see cref="KfdContentsPath.Of(CriuDump, bool?)"/>); when nothing says it, only the endings both paths meet are reported,
    /// so that none is a guess.
    /// </summary>
    public static IReadOnlyList<(CriuDumpFile File, Diagnostic Finding)> Check(CriuDump dump, bool complete, ReplayOptions replay, HostTarget? host, KernelProfile? target) =>
        Verdict(dump, complete, replay, host, target).Findings;

    /// <summary>
    /// As <see cref="Check"/>, with where the restore stops with an error (<see cref="ReplayStop"/>; null when it does
    /// not, or, the path unknown, the two paths do not stop at the same code and file).
    /// </summary>
    internal static (IReadOnlyList<(CriuDumpFile File, Diagnostic Finding)> Findings, ReplayStop? Stop) Verdict(CriuDump dump, bool complete, ReplayOptions replay, HostTarget? host, KernelProfile? target)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(replay);
        if (dump.Files.Count == 0)
        {
            return ([], null);
        }

        KfdContentsPath path = KfdContentsPath.Of(dump, replay.Parallel, replay.Words);
        // The stop is taken inside: the sequence holds its plan (its calls are made again from it) and is let go there.
        (List<(CriuDumpFile File, Diagnostic Finding)> found, ReplayStop? stop) = Findings(dump, complete, replay with { Parallel = path.Parallel }, host, target);

        // With the path unknown only what both paths meet is said: nothing met on the one replayed needs the other.
        if (path.Known || (found.Count == 0 && stop is null))
        {
            return (found, stop);
        }

        (List<(CriuDumpFile File, Diagnostic Finding)> otherFound, ReplayStop? otherStop) = Findings(dump, complete, replay with { Parallel = !path.Parallel }, host, target);
        HashSet<(DiagnosticDescriptor, CriuDumpFile)> other = [.. otherFound.Select(f => (f.Finding.Descriptor, f.File))];
        ReplayStop? both = (stop, otherStop) is ({ } one, { } two) && one.Code == two.Code && one.File == two.File
            ? one with { Met = one.Met.Union(two.Met).ToHashSet(), Done = one.Done.Intersect(two.Done).ToHashSet(StringComparer.Ordinal) }
            : null;
        return ([.. found.Where(f => other.Contains((f.Finding.Descriptor, f.File)))], both);
    }

    /// <summary>
    /// The codes of the restore's path: the endings the replay meets (RestoreReplay) and the kernel's refusals of its
    /// calls. Not the damage of a file itself (CRI301-CRI304): verify says it of the file, the replay ends at it.
    /// </summary>
    private static readonly HashSet<DiagnosticDescriptor> OnPath =
    [
        .. Codes,
        .. Descriptors.All.Where(d => d.Check is not null),
        Descriptors.ContentsShort,
        Descriptors.CriuCountMismatch,
        Descriptors.DmabufUnknownHandle,
        Descriptors.DrmPagesMissing,
        Descriptors.GpuCountMismatch,
        Descriptors.KfdPagesHeaderMismatch,
        Descriptors.KfdPagesMissing,
        Descriptors.OrphanImport,
        Descriptors.ParallelRestoreOffset,
        Descriptors.RenderNodeWithoutKfd,
        Descriptors.UnknownGpuId,
    ];

    /// <summary>Where <paramref name="sequence"/> stops with an error, with every ending it met; null when it does not stop so.</summary>
    private static ReplayStop? Stop(RestoreSequence? sequence) =>
        sequence is { End: { How: RestoreEndKind.Fails or RestoreEndKind.Crashes or RestoreEndKind.NeverEnds, Code: { } code } end }
            ? new ReplayStop(code, end.File ?? "", sequence.Endings.Where(e => e.Code is not null).Select(e => (e.Code!, e.File ?? "")).ToHashSet(), OnPath, sequence.FilesDone.ToHashSet(StringComparer.Ordinal))
            : null;

    private static (List<(CriuDumpFile File, Diagnostic Finding)> Found, ReplayStop? Stop) Findings(CriuDump dump, bool complete, ReplayOptions replay, HostTarget? host, KernelProfile? target)
    {
        var found = new List<(CriuDumpFile, Diagnostic)>();
        DumpRestorePlan plan = DumpRestorePlan.Create(dump, replay, host, target ?? host?.Profile, complete);
        if (plan.Sequence is not { } sequence)
        {
            return (found, null);
        }

        // One finding per code and file: a render node restored over three passes closes descriptor 0 each time, one fact.
        var seen = new HashSet<(DiagnosticDescriptor, CriuDumpFile)>();
        void Say(RestoreSequence replayed)
        {
            foreach (RestoreEnding ending in replayed.Endings.Where(e => e.Code is { } code && Codes.Contains(code)))
            {
                CriuDumpFile file = dump.Files.FirstOrDefault(f => f.FileName == ending.File)
                    ?? dump.OfKind(CriuFileKind.KfdImage).FirstOrDefault()
                    ?? dump.Files[0];
                if (seen.Add((ending.Code!, file)))
                {
                    found.Add((file, new Diagnostic(ending.Code!, $"restore by CRIU {replayed.Criu}: {ending.How.Name()}: {ending.Message} ({ending.Cause})") { ByteOffset = CriuHeader.Size }));
                }
            }
        }

        Say(sequence);

        // Past the stop: replayed again with each stop a kernel's refusal makes taken as mended, what only the replay
        // finds after it is found too (ReplayStop says it as what follows the stop). A stop the replay cannot go past
        // comes back the same and ends the walk; at most MaxMended stops are gone past.
        var mended = new HashSet<(DiagnosticDescriptor Code, string File)>();
        RestoreSequence past = sequence;
        while (past.End is { How: RestoreEndKind.Fails or RestoreEndKind.Crashes or RestoreEndKind.NeverEnds, Code: { } code, File: { } at }
            && mended.Count < MaxMended && mended.Add((code, at)))
        {
            past = RestoreReplay.RunPast(dump, plan, sequence.Criu, sequence.Contents == "parallel", mended);
            Say(past);
        }

        return (found, Stop(sequence));
    }

    /// <summary>How many stops, one after another, the replay is let go past to find what follows them.</summary>
    private const int MaxMended = 4;
}
