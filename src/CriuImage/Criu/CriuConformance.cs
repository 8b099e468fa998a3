using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>How much a <see cref="CriuFileReader"/> takes (as System.Formats.Cbor's conformance modes).</summary>
public enum CriuConformance
{
    /// <summary>
    /// What CRIU's restore reads: stale bytes after the message, counts that disagree with their lists and
    /// fields protobuf-c would refuse or change are read and recorded for the verifier to judge.
    /// </summary>
    Lax,

    /// <summary>
    /// The schema as written: no field protobuf-c would refuse or change, a wire some revision writes, and
    /// counts that agree with their lists. Stale bytes after the message are still ignored, as CRIU ignores them.
    /// </summary>
    Strict,
}

/// <summary>What <see cref="CriuConformance.Strict"/> refuses, as one rule for every reader of a message file.</summary>
internal static class CriuConformanceRules
{
    /// <summary>The first way <paramref name="file"/> breaks the schema, in wire order, or null.</summary>
    public static ImageFormatException? FirstBreach<T>(CriuMessageFile<T> file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Problems.Count > 0)
        {
            return new ImageFormatException(file.Problems[0].ByteOffset, file.Problems[0].Message);
        }

        if (file.Revisions == CriuRevisions.None)
        {
            return new ImageFormatException(CriuHeader.Size, "no CRIU revision writes this message: its entries carry the fields of different schema revisions");
        }

        return file.Message switch
        {
            CriuKfd kfd when kfd.NumOfBos != (ulong)kfd.BoEntries.Count =>
                new ImageFormatException(kfd.NumOfBosOffset, $"num_of_bos says {kfd.NumOfBos}, but the message holds {kfd.BoEntries.Count} bo_entries"),
            CriuRenderNode node when file.Revisions != CriuRevisions.Released => NodeBreach(node),
            _ => null,
        };
    }

    private static ImageFormatException? NodeBreach(CriuRenderNode node)
    {
        if (node.NumOfBos != (ulong)node.Bos.Count)
        {
            return new ImageFormatException(node.NumOfBosOffset, $"num_of_bos says {node.NumOfBos}, but the message holds {node.Bos.Count} bo_entries");
        }

        // d5377d5d2's entries have no mappings and no count of them. The first mismatch is noted as the entries are read:
        // a node of millions of BOs read again from its file is not walked once more for each plan that asks.
        if (node.NumOfObjects is null && node.Entries.FirstVmCountMismatch is >= 0 and int first)
        {
            DrmBo bo = node.Entries.At(first);
            return new ImageFormatException(bo.ByteOffset, $"num_of_vms of BO {bo.Handle} says {bo.NumOfVms}, but the entry holds {bo.VmEntries.Length} vm_entries");
        }

        return null;
    }
}
