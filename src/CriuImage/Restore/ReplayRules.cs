using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Topology;

namespace CriuImage.Restore;

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
    /// Replays the restore of <paramref name="dump"/> by the CRIU <paramref name="replay"/> names, on
    /// <paramref name="host"/> and <paramref name="target"/>, and returns its endings, each with the file being
    /// restored when it happens (<c>verify --criu/--contents</c> passes it as <see cref="Verification.VerifyOptions.DumpReplay"/>).
    /// </summary>
    public static IReadOnlyList<(CriuDumpFile File, Diagnostic Finding)> Check(CriuDump dump, bool complete, ReplayOptions replay, HostTarget? host, KernelProfile? target)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(replay);
        var found = new List<(CriuDumpFile, Diagnostic)>();
        if (dump.Files.Count == 0 || DumpRestorePlan.Create(dump, replay, host, target ?? host?.Profile, complete).Sequence is not { } sequence)
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
