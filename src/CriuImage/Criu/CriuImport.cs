using CriuImage.Abi;

namespace CriuImage.Criu;

/// <summary>
/// Turns CRIU's render-node image into a criu-image: its mappings are GEM_OP's (addresses and sizes in
/// bytes, uapi flags), so the image is a <c>linux-6.18</c> one. Values are carried over as they are (the
/// is_import word becomes the BO flags word); CRIU's gpu_id, file id and each entry's addr have no place
/// in the format and are left out.
/// </summary>
public static class CriuImport
{
    /// <summary>The header of the imported image.</summary>
    public static ImageHeader HeaderFor(CriuRenderNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new ImageHeader(AbiRevision.Linux6_18, MappingFlagsKind.Uapi) { Device = new DeviceInfo { RenderMinor = node.DrmRenderMinor } };
    }

    /// <summary>Writes every BO of <paramref name="node"/> with its mappings; completing the image is the caller's.</summary>
    public static void WriteBos(CriuRenderNode node, ImageWriter writer)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (CriuBoEntry bo in node.Bos)
        {
            writer.WriteBo(new BoRecord(bo.Handle, bo.Size, bo.Offset, bo.AllocFlags, bo.PreferredDomains, bo.IsImport, bo.Alignment, 0), bo.VmEntries);
        }
    }
}
