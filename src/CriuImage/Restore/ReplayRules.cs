using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Topology;

namespace CriuImage.Restore;

/// <summary>
/// The endings of a dump's restore that only the replay of CRIU's plugin finds (CRI325-CRI330, CRI332-CRI334, CRI340:
/// the restore init's crash, imports resolved by number, contents written into an exporter, descriptor 0 closed,
/// certainly or by an order not known, the parallel quit command, a CRIU that cannot restore the dump's state, a render
/// node restored before any GPU map, a task that may wait for ever for another task's export, KFD private data the
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
        Descriptors.KfdPrivateDataRefused,
    ];

    /// <summary>
    /// Replays the restore of <paramref name="dump"/> by the CRIU <paramref name="replay"/> names (else the one that
    /// wrote it, <see cref="CriuWriter.Of"/>), on <paramref name="host"/> and <paramref name="target"/>, and returns
    /// its endings, each with the file being restored when it happens (<c>verify</c> passes it as
    /// <see cref="Verification.VerifyOptions.DumpReplay"/>). The contents path is the one named, else the one the dump
    /// says (<see cref="KfdContentsPath.Of(CriuDump, bool?)"/>); when nothing says it, only the endings both paths meet are reported,
    /// so that none is a guess.
    /// </summary>
    public static IReadOnlyList<(CriuDumpFile File, Diagnostic Finding)> Check(CriuDump dump, bool complete, ReplayOptions replay, HostTarget? host, KernelProfile? target)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(replay);
        if (dump.Files.Count == 0)
        {
            return [];
        }

        KfdContentsPath path = KfdContentsPath.Of(dump, replay.Parallel, replay.Words);
        List<(CriuDumpFile File, Diagnostic Finding)> found = Findings(dump, complete, replay with { Parallel = path.Parallel }, host, target);

        // With the path unknown only what both paths meet is said: nothing met on the one replayed needs the other.
        if (path.Known || found.Count == 0)
        {
            return found;
        }

        HashSet<(DiagnosticDescriptor, CriuDumpFile)> other = [.. Findings(dump, complete, replay with { Parallel = !path.Parallel }, host, target).Select(f => (f.Finding.Descriptor, f.File))];
        return [.. found.Where(f => other.Contains((f.Finding.Descriptor, f.File)))];
    }

    private static List<(CriuDumpFile File, Diagnostic Finding)> Findings(CriuDump dump, bool complete, ReplayOptions replay, HostTarget? host, KernelProfile? target)
    {
        var found = new List<(CriuDumpFile, Diagnostic)>();
        if (DumpRestorePlan.Create(dump, replay, host, target ?? host?.Profile, complete).Sequence is not { } sequence)
        {
            return found;
        }

        // One finding per code and file: a render node restored over three passes closes descriptor 0 each time, one fact.
        var seen = new HashSet<(DiagnosticDescriptor, CriuDumpFile)>();
        foreach (RestoreEnding ending in sequence.Endings.Where(e => e.Code is { } code && Codes.Contains(code)))
        {
            CriuDumpFile file = dump.Files.FirstOrDefault(f => Path.GetFileName(f.Input.Path) == ending.File)
                ?? dump.OfKind(CriuFileKind.KfdImage).FirstOrDefault()
                ?? dump.Files[0];
            if (seen.Add((ending.Code!, file)))
            {
                found.Add((file, new Diagnostic(ending.Code!, $"restore by CRIU {sequence.Criu}: {ending.How.Name()}: {ending.Message} ({ending.Cause})") { ByteOffset = CriuHeader.Size }));
            }
        }

        return found;
    }
}
