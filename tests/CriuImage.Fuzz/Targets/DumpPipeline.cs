using System.Formats.Tar;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Fuzz.Targets;

/// <summary>
/// What every command does with the files the input layer found: CRIU dumps verified, summarised, decoded,
/// planned and imported, other files verified as images. None of it may throw: damage is a finding.
/// </summary>
internal static class DumpPipeline
{
    /// <summary>Reads <paramref name="input"/> as standard input (<c>-</c>) and runs everything on what it holds.</summary>
    public static void RunStream(byte[] input)
    {
        InputSet set = DumpInputs.Collect(["-"], new InputOptions(), () => new MemoryStream(input, writable: false));
        Run(set);
    }

    /// <summary>Runs everything on one dump folder holding <paramref name="files"/> (name, content), passed as a tar on standard input.</summary>
    public static void RunFolder(IEnumerable<(string Name, byte[] Content)> files) => RunStream(Tar(files));

    /// <summary>A plain tar of <paramref name="files"/> under one folder, as a container engine writes a checkpoint.</summary>
    public static byte[] Tar(IEnumerable<(string Name, byte[] Content)> files) => TarOf(files.Select(f => ($"checkpoint/{f.Name}", f.Content)));

    /// <summary>A plain tar (ustar: an oci-archive is told by its first member's name, which a PAX header would hide) of <paramref name="files"/> under the paths given.</summary>
    public static byte[] TarOf(IEnumerable<(string Path, byte[] Content)> files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach ((string path, byte[] content) in files)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content, writable: false) });
            }
        }

        return tar.ToArray();
    }

    private static void Run(InputSet set)
    {
        var plan = InputPlan.Of(set);
        foreach (PlannedDump planned in plan.Dumps)
        {
            CriuDump dump = planned.Dump;
            _ = DumpVerifier.Verify(dump, planned.Complete);
            _ = DumpSummary.Of(dump);
            _ = DumpRestorePlan.Create(dump, complete: planned.Complete);
            CriuJsonWriter.WriteFiles(dump.Files, [], Stream.Null);
            foreach (CriuDumpFile file in dump.Files)
            {
                if (file.Kfd is { } kfd)
                {
                    KfdTopology checkpointed = CheckpointTopology.FromKfd(kfd.Message);
                    _ = HostCheck.Run(checkpointed, checkpointed, MatchEnvironment.Default);
                }
            }
        }

        foreach (RenderNodeImport import in CriuImportPlan.Of(plan, "-"))
        {
            if (import.Outcome == ImportOutcome.Import)
            {
                CriuTargets.Import(import.Node!, import.Header!);
            }
        }

        foreach (int index in plan.Images)
        {
            if (set.Files[index].Content is { } content)
            {
                _ = ImageVerifier.Verify(content, set.Files[index].Path);
            }
        }
    }
}
