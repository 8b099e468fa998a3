using CriuImage.Criu;
using CriuImage.Restore;

namespace CriuImage.Verification;

/// <summary>
/// The endings of a dump's restore that only the replay of CRIU's plugin finds (CRI325-CRI330: the restore init's
/// crash, imports resolved by number, contents written into an exporter, descriptor 0 closed, the parallel quit
/// command, a CRIU that cannot restore the dump's state): each reported on the file being restored when it happens.
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
        Descriptors.ParallelQuitCommand,
        Descriptors.CriuVersionCannotRestore,
    ];

    /// <summary>
    /// Replays the restore of <paramref name="dump"/> as <paramref name="options"/> say and reports its endings, when
    /// the caller named the CRIU or its contents path (<c>verify --criu</c>, <c>--contents</c>); <c>plan</c> always shows them.
    /// </summary>
    public static void Check(CriuDump dump, bool complete, VerifyOptions options, KernelProfile? target, Action<CriuDumpFile, Diagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        if (options.Replay is { Criu: null, Parallel: null } || dump.Files.Count == 0 || DumpRestorePlan.Create(dump, options.Replay, options.Host, target, complete).Sequence is not { } sequence)
        {
            return;
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
                report(file, new Diagnostic(ending.Code!, $"restore by CRIU {sequence.Criu}: {ending.How.Name()}: {ending.Message} ({ending.Cause})") { ByteOffset = CriuHeader.Size });
            }
        }
    }
}
