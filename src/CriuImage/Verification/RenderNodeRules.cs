using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;

namespace CriuImage.Verification;

/// <summary>
/// The rules of one CRIU render node on its own: counts against lists, the render minor, each BO's
/// <c>addr</c> (amdgpu_plugin_drm.c sets it to the last mapping's), and every rule <c>verify</c> applies to
/// a linux-6.18 image's BOs and mappings, run on the BOs as CRIU recorded them.
/// </summary>
internal static class RenderNodeRules
{
    public static void Check(CriuMessageFile<CriuRenderNode> file, string path, IDiagnosticSink bag, KernelProfile? target)
    {
        // A released render node is gpu_id alone: nothing else to check on its own.
        if (file.Revisions == CriuRevisions.Released)
        {
            return;
        }

        CriuRenderNode node = file.Message;
        if (node.NumOfBos != (ulong)node.Bos.Count)
        {
            bag.Add(new Diagnostic(Descriptors.CriuCountMismatch, $"num_of_bos says {node.NumOfBos}, but the message holds {node.Bos.Count} bo_entries; restore loops to num_of_bos") { ByteOffset = node.NumOfBosOffset });
        }

        if (node.DrmRenderMinor is < 128 or > 255)
        {
            bag.Add(new Diagnostic(Descriptors.RenderMinorOutOfRange, $"drm_render_minor is {node.DrmRenderMinor}; render nodes have minors 128..255") { ByteOffset = CriuHeader.Size });
        }

        // d5377d5d2's entries have no mappings. The reader noted whether any entry breaks these rules: a node read again
        // from its file is walked here only when there is something to say.
        if (node.NumOfObjects is not null)
        {
            return;
        }

        foreach (ref readonly DrmBo bo in node.Entries.AnyEntryOwnBreach ? node.Entries.Values : default)
        {
            if (bo.NumOfVms != (uint)bo.VmEntries.Length)
            {
                bag.Add(new Diagnostic(Descriptors.CriuCountMismatch, $"num_of_vms of BO {bo.Handle} says {bo.NumOfVms}, but the entry holds {bo.VmEntries.Length} vm_entries; restore maps num_of_vms entries")
                {
                    GemHandle = bo.Handle,
                    ByteOffset = bo.ByteOffset,
                });
            }

            ulong expected = bo.VmEntries.Length == 0 ? 0 : bo.VmEntries[^1].Addr;
            if (bo.Addr != expected)
            {
                bag.Add(new Diagnostic(Descriptors.BoAddrNotLastMapping, $"BO {bo.Handle} has addr 0x{bo.Addr:x}, but CRIU records its last mapping's address, 0x{expected:x}{(bo.VmEntries.Length == 0 ? " (none: 0)" : "")}; restore uses addr as the CPU address of the BO's mmap")
                {
                    GemHandle = bo.Handle,
                    ByteOffset = bo.ByteOffset,
                });
            }
        }

        if (node.Bos.Count > 0)
        {
            CheckAsImage(node, path, bag, target);
        }
    }

    /// <summary>The image rules (CRI1xx, CRI2xx) on the BOs converted as <c>import</c> converts them; locations are mapped back to the BO entries.</summary>
    private static void CheckAsImage(CriuRenderNode node, string path, IDiagnosticSink bag, KernelProfile? target)
    {
        // The header goes through an image of its own (read back as any image's is); the BOs are handed over as they are.
        ReadOnlyMemory<byte> header = CriuImport.InMemory(node with { Bos = [] }, CriuImport.HeaderFor(node));

        // As many come back listed per code as the file's own bag lists (none of these codes is in it yet), the rest counted:
        // a million findings are never a million objects.
        FileReport report = ImageVerifier.Verify(header, node.Entries, path, new VerifyOptions { Target = target, MaxFindingsPerCode = bag.Limit });
        if (report.Diagnostics.Count > 0)
        {
            AddListed(node, report.Diagnostics, bag);
        }

        foreach (UnlistedFindings unlisted in report.NotListed)
        {
            bag.Count(unlisted.Descriptor, unlisted.NotListed);
        }
    }

    private static void AddListed(CriuRenderNode node, IReadOnlyList<Diagnostic> diagnostics, IDiagnosticSink bag)
    {
        // Findings are located at the first entry of their BO's handle, the rest at none. The handles are looked up
        // without reading an entry (a node read again from its file keeps them), and only the entries found are read
        // again, in order, for where they begin.
        var first = new Dictionary<uint, int>();
        foreach (Diagnostic d in diagnostics)
        {
            if (d.GemHandle is { } h)
            {
                first.TryAdd(h, -1);
            }
        }

        RenderNodeBos bos = node.Entries;
        int found = 0;
        for (int i = 0; i < bos.Count && found < first.Count; i++)
        {
            if (first.TryGetValue(bos.HandleAt(i), out int at) && at < 0)
            {
                first[bos.HandleAt(i)] = i;
                found++;
            }
        }

        var offsets = new Dictionary<uint, long>(found);
        foreach ((uint handle, int index) in first.Where(f => f.Value >= 0).OrderBy(f => f.Value))
        {
            offsets[handle] = bos.At(index).ByteOffset;
        }

        foreach (Diagnostic d in diagnostics)
        {
            bag.Add(d with { ByteOffset = d.GemHandle is { } h && offsets.TryGetValue(h, out long at) ? at : null });
        }
    }
}
