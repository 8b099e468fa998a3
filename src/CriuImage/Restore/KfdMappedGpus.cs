using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The GPUs whose VM each KFD BO of an image is mapped into by <c>AMDKFD_IOC_CRIU_OP</c> RESTORE: criu_restore_bo
/// (drivers/gpu/drm/amd/amdkfd/kfd_chardev.c, its "now map these BOs to GPU/s" loop, whose peer check is :2414 at
/// Linux 6.12.118, CRI340's bo-mapped-gpu; the same loop in torvalds/linux 29633d0e2) maps a BO into the VM of each GPU its private record's
/// <c>mapped_gpuids</c> names, up to the first 0 and at most one per device of the process; a BO allocated on a GPU
/// and never mapped there is not in that GPU's VM, and a BO mapped on a peer is in the peer's.
/// </summary>
/// <param name="kfd">The image.</param>
/// <param name="bosAt">Where the BO records begin in its private data.</param>
/// <param name="boPriv">The size of one BO record.</param>
/// <param name="slots">The mapped-GPU slots of one record (MAX_GPU_INSTANCE).</param>
internal sealed class KfdMappedGpus(CriuKfd kfd, ulong bosAt, ulong boPriv, int slots)
{

    /// <summary>
    /// The image's mapped GPUs, read with the BO record size of the newest kernel line whose walk takes the private
    /// data (the lines' records differ in their number of slots); null when no line takes it: CRIU_OP RESTORE is
    /// then refused before any BO is mapped (CRI340).
    /// </summary>
    public static KfdMappedGpus? Of(CriuKfd kfd)
    {
        ArgumentNullException.ThrowIfNull(kfd);
        KfdLine? line = KfdLine.All.Reverse().FirstOrDefault(l => WalkLine(kfd, l) is null);
        if (line is null)
        {
            return null;
        }

        ulong boPriv = (ulong)((12 + (4 * line.GpuSlots) + 7) & ~7);
        return new KfdMappedGpus(kfd, ProcessPriv + ((ulong)kfd.NumOfGpus * DevicePriv), boPriv, line.GpuSlots);
    }

    /// <summary>True when BO <paramref name="bo"/> of the image is mapped into the VM of <paramref name="gpu"/> at restore.</summary>
    public bool Maps(int bo, uint gpu)
    {
        ReadOnlySpan<byte> p = kfd.PrivData.Span;
        ulong record = bosAt + ((ulong)bo * boPriv);
        for (int j = 0; j < (int)kfd.NumOfGpus && j < slots; j++)
        {
            uint mapped = U32(p, record + 12 + ((ulong)j * 4));
            if (mapped == 0)
            {
                return false;
            }

            if (mapped == gpu)
            {
                return true;
            }
        }

        return false;
    }
}
