using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// Turns CRIU's render-node image into a criu-image: its mappings are GEM_OP's (addresses and sizes in
/// bytes, uapi flags), so the image is a <c>linux-6.18</c> one. Values are carried over as they are (the
/// is_import word becomes the BO flags word), with what a restore along CRIU's path needs beside them
/// (format 1.1): the render node's gpu_id (<see cref="DeviceInfo.GpuId"/>), its CRIU file id
/// (<see cref="CaptureInfo.CriuFileId"/>) and each entry's <c>addr</c> (<see cref="BoRecord.Addr"/>).
/// </summary>
public static class CriuImport
{
    /// <summary>
    /// The header of the imported image: render minor, gpu_id and file id from the node (amdgpu_plugin_drm.c
    /// sets <c>rd-&gt;id</c> to the id that names the file); the PCI vendor and device ids from
    /// <paramref name="device"/> (the dump's KFD device entry of the same gpu_id, whose vendor_id and device_id
    /// kfd_topology_add_device takes from the PCI device) where they fit 16 bits; the process id from
    /// <paramref name="pid"/> (the dump's KFD image: KFD_CRIU_OP_PROCESS_INFO's pid).
    /// </summary>
    public static ImageHeader HeaderFor(CriuRenderNode node, KfdDeviceEntry? device = null, uint? pid = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new ImageHeader(AbiRevision.Linux6_18, MappingFlagsKind.Uapi)
        {
            Device = new DeviceInfo
            {
                RenderMinor = node.DrmRenderMinor,
                PciVendorId = device is { VendorId: <= ushort.MaxValue } ? (ushort)device.VendorId : null,
                PciDeviceId = device is { DeviceId: <= ushort.MaxValue } ? (ushort)device.DeviceId : null,
                GpuId = node.GpuId,
            },
            Capture = new CaptureInfo { Pid = pid, CriuFileId = node.Id },
        };
    }

    /// <summary>Writes every BO of <paramref name="node"/> with its addr and mappings; completing the image is the caller's.</summary>
    public static void WriteBos(CriuRenderNode node, ImageWriter writer)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(writer);
        RenderNodeBos bos = node.Entries;
        for (int i = 0; i < bos.Count; i++)
        {
            WriteBo(bos, i, writer);
        }
    }

    /// <summary>As <see cref="WriteBos"/>, flushing past <see cref="ImageWriter.FlushThreshold"/>: the image is not held whole in the writer's pipe.</summary>
    internal static async ValueTask WriteBosAsync(CriuRenderNode node, ImageWriter writer, CancellationToken cancellationToken)
    {
        RenderNodeBos bos = node.Entries;
        for (int i = 0; i < bos.Count; i++)
        {
            WriteBo(bos, i, writer);
            if (writer.UnflushedBytes > ImageWriter.FlushThreshold)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }
    }

    private static void WriteBo(RenderNodeBos bos, int index, ImageWriter writer)
    {
        DrmBo bo = bos.At(index);
        writer.WriteBo(ToBoRecord(bo), bo.VmEntries);
    }

    /// <summary>The BO record an entry becomes: values carried over as they are, the is_import word as the flags word.</summary>
    internal static BoRecord ToBoRecord(CriuBoEntry bo) => ToBoRecord(DrmBo.Of(bo));

    /// <inheritdoc cref="ToBoRecord(CriuBoEntry)"/>
    internal static BoRecord ToBoRecord(in DrmBo bo) =>
        new(bo.Handle, bo.Size, bo.Offset, bo.AllocFlags, bo.PreferredDomains, bo.IsImport, bo.Alignment, 0) { Addr = bo.Addr };

    /// <summary>The whole imported image in memory: <paramref name="header"/> (<see cref="HeaderFor"/>) and every BO of <paramref name="node"/>.</summary>
    internal static ReadOnlyMemory<byte> InMemory(CriuRenderNode node, ImageHeader header)
    {
        using var stream = new MemoryStream();
        ImageWriter writer = ImageWriter.Create(stream, header, leaveOpen: true);
        WriteBos(node, writer);
        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    /// <summary>The file name an imported render node is written under: <c>amdgpu-renderD-&lt;id&gt;.cimg</c>, CRIU's name with our extension.</summary>
    public static string FileNameFor(CriuRenderNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return $"amdgpu-renderD-{node.Id}.cimg";
    }
}
