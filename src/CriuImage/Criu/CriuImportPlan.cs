using System.Globalization;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>What <c>import</c> does with one render-node file of the inputs.</summary>
public enum ImportOutcome
{
    /// <summary>Read strictly; it has BOs and becomes a criu-image.</summary>
    Import,

    /// <summary>Understood, but holds nothing the format records (a released or d5377d5d2 render node, or one without BOs).</summary>
    Skip,

    /// <summary>Damaged, or breaking the schema: not imported.</summary>
    Refuse,
}

/// <summary>One render-node file of the inputs and what <c>import</c> makes of it.</summary>
/// <param name="Path">The file as reports show it (inside archives <c>ARCHIVE:ENTRY</c>).</param>
/// <param name="Outcome">Imported, skipped or refused.</param>
/// <param name="Reason">Why it is skipped or refused (with the byte offset where there is one); for an import, what is left out, or empty.</param>
public sealed record RenderNodeImport(string Path, ImportOutcome Outcome, string Reason)
{
    /// <summary>The node as read strictly (<see cref="ImportOutcome.Import"/> only).</summary>
    public CriuRenderNode? Node { get; init; }

    /// <summary>The header the image gets (<see cref="ImportOutcome.Import"/> only).</summary>
    public ImageHeader? Header { get; init; }

    /// <summary>The file name the image is written under (<see cref="ImportOutcome.Import"/> only).</summary>
    public string? FileName { get; init; }
}

/// <summary>
/// Decides, for every render-node file of a set of inputs, whether <c>import</c> writes it: criu-dev render
/// nodes with BOs are held to <see cref="CriuConformance.Strict"/> (the one reading verify made of them) and imported, with the device ids
/// and the process id of their dump's KFD image; released render nodes (gpu_id alone: the GPU state is in the
/// KFD files) and d5377d5d2 ones (BOs without mappings) are skipped with the reason; damaged ones refused.
/// </summary>
public static class CriuImportPlan
{
    /// <summary>
    /// The render-node files of <paramref name="plan"/>, in the order found. With one dump, each
    /// <see cref="RenderNodeImport.FileName"/> is a bare name; with several (a folder of dumps), it is under the
    /// dump's folder relative to <paramref name="root"/>, the input as named (inside an archive: the entry's
    /// folder), so that the images of two dumps never take each other's name.
    /// </summary>
    public static IReadOnlyList<RenderNodeImport> Of(InputPlan plan, string root)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(root);
        var result = new List<RenderNodeImport>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (PlannedDump planned in plan.Dumps)
        {
            CriuDump dump = planned.Dump;
            List<CriuDumpFile> kfd = [.. dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is not null)];
            uint? pid = kfd.Count == 1 ? kfd[0].Kfd!.Message.Pid : null;
            string? under = plan.Dumps.Count > 1 ? Relative(root, dump.Folder) : "";
            foreach (CriuDumpFile file in dump.OfKind(CriuFileKind.RenderNode))
            {
                RenderNodeImport import = Decide(file, dump, pid);
                if (import.FileName is { } bare)
                {
                    string name = under is null ? bare : Path.Join(under, bare);
                    import = under is null
                        ? new RenderNodeImport(file.Input.Path, ImportOutcome.Refuse, $"its folder {dump.Folder} cannot be named inside the output folder: import this dump on its own")
                        : !names.TryAdd(name, file.Input.Path)
                        ? new RenderNodeImport(file.Input.Path, ImportOutcome.Refuse, $"{names[name]} is imported as {name} too: import the dumps one at a time")
                        : import with { FileName = name };
                }

                result.Add(import);
            }
        }

        return result;
    }

    /// <summary>The dump's folder relative to the input, or null when it would leave the output folder (an archive entry named with <c>..</c> or from <c>/</c>).</summary>
    private static string? Relative(string root, string folder)
    {
        string relative = folder.StartsWith(root + ":", StringComparison.Ordinal) ? folder[(root.Length + 1)..]
            : Path.GetRelativePath(root, folder);
        if (relative == ".")
        {
            return "";
        }

        return Path.IsPathRooted(relative) || relative.Split('/').Any(part => part is ".." or ".") ? null : relative;
    }

    /// <summary>What becomes of one render-node file of <paramref name="dump"/>; <paramref name="pid"/> is the process id of its one KFD image.</summary>
    internal static RenderNodeImport Decide(CriuDumpFile file, CriuDump dump, uint? pid) => NotImported(file) ?? Imported(file, dump, pid);

    /// <summary>True when <c>import</c> writes <paramref name="file"/> (a render node) as a criu-image: not damaged, not skipped.</summary>
    internal static bool Converts(CriuDumpFile file) => NotImported(file) is null;

    /// <summary>Why <paramref name="file"/> is skipped or refused, whatever dump it is in; null when it is imported.</summary>
    private static RenderNodeImport? NotImported(CriuDumpFile file)
    {
        string path = file.Input.Path;
        if (file.DamageDetail is { } damage)
        {
            return new RenderNodeImport(path, ImportOutcome.Refuse, damage.Message);
        }

        CriuMessageFile<CriuRenderNode> lenient = file.RenderNode!;
        if (lenient.Revisions == CriuRevisions.Released)
        {
            return new RenderNodeImport(path, ImportOutcome.Skip,
                $"a released CRIU (v3.17..v4.2) render node holds gpu_id 0x{lenient.Message.GpuId:x} alone, no BOs: nothing to import (its GPU state is in the KFD files, which verify and info read)");
        }

        if (lenient.Revisions == CriuRevisions.D5377d5d2 || lenient.Message.NumOfObjects is not null)
        {
            return new RenderNodeImport(path, ImportOutcome.Skip,
                $"a d5377d5d2 render node: {(lenient.Message.Bos.Count == 1 ? "its 1 BO has" : $"its {lenient.Message.Bos.Count} BOs have")} no mappings (no vm_entries), which an image records per BO: nothing to import");
        }

        // The node as verify read it, held to the schema (stale bytes after the message are CRIU's to ignore, and so import's).
        if (CriuConformanceRules.FirstBreach(lenient) is { } breach)
        {
            return new RenderNodeImport(path, ImportOutcome.Refuse, breach.Message);
        }

        CriuRenderNode node = lenient.Message;
        return node.Bos.Count == 0 ? new RenderNodeImport(path, ImportOutcome.Skip, $"the render node of gpu_id 0x{node.GpuId:x} has no BOs: nothing to import") : null;
    }

    /// <summary>The image <paramref name="file"/>, which <see cref="NotImported"/> lets through, becomes, with the device ids and process id of its dump.</summary>
    private static RenderNodeImport Imported(CriuDumpFile file, CriuDump dump, uint? pid)
    {
        string path = file.Input.Path;
        CriuMessageFile<CriuRenderNode> lenient = file.RenderNode!;
        CriuRenderNode node = lenient.Message;
        KfdDeviceEntry? device = dump.Gpus.FirstOrDefault(g => g.GpuId == node.GpuId);
        var left = new List<string>(2);
        if (device is null)
        {
            left.Add("no readable KFD device entry has its gpu_id: PCI ids left out");
        }

        if (lenient.StaleBytes > 0)
        {
            left.Add(string.Create(CultureInfo.InvariantCulture, $"{lenient.StaleBytes} stale bytes after the message ignored, as CRIU ignores them"));
        }

        return new RenderNodeImport(path, ImportOutcome.Import, string.Join("; ", left))
        {
            Node = node,
            Header = CriuImport.HeaderFor(node, device, pid),
            FileName = CriuImport.FileNameFor(node),
        };
    }
}
