using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// What <c>AMDKFD_IOC_CRIU_OP</c> RESUME makes of the SVM ranges CRIU_OP RESTORE stored (criu_resume,
/// kfd_chardev.c:2684-2688; kfd_criu_resume_svm, kfd_svm.c:3986-4088, Linux 6.12.118): per range in order, an
/// undefined prefetch location becomes a SET_FLAGS of 0, then svm_range_set_attr checks every attribute
/// (svm_range_check_attr, kfd_svm.c:714-758): a type the ioctl knows, and a GPU that is a device of the process for
/// the preferred location (unless system memory or undefined), the prefetch location (unless system memory) and each
/// access attribute. Not checked here: the range against the process's VMAs (svm_range_is_valid), which the
/// plugin's files do not carry. Called for private data the RESTORE walk took, so the objects' layout holds.
/// </summary>
internal static class KfdSvmResume
{
    private const string Svm = "drivers/gpu/drm/amd/amdkfd/kfd_svm.c";
    private const uint PreferredLoc = 0, PrefetchLoc = 1, Access = 2, AccessInPlace = 3, NoAccess = 4, SetFlags = 5, ClrFlags = 6, Granularity = 7, SysMem = 0, Undefined = 0xFFFFFFFF;

    /// <summary>
    /// The refusal of RESUME, or null. The BO records' size is the target's (6.18: the newest line's); with another
    /// or no target, the first line, newest first, whose layout the objects fill to the last byte.
    /// </summary>
    public static KfdRefusal? Refusal(CriuKfd kfd, Kernel.KernelProfile? target)
    {
        ArgumentNullException.ThrowIfNull(kfd);
        IEnumerable<KfdLine> lines = target?.Name == Kernel.KernelProfile.Linux6_18.Name ? [KfdLine.All[^1]] : KfdLine.All.Reverse();
        foreach (KfdLine line in lines)
        {
            if (Ranges(kfd, line.GpuSlots) is { } ranges)
            {
                return Refusal(kfd, ranges);
            }
        }

        return null;
    }

    /// <summary>The byte offsets of the SVM range objects, or null when the objects do not fill the private data with BO records of these slots.</summary>
    private static List<(uint Index, ulong At)>? Ranges(CriuKfd kfd, int gpuSlots)
    {
        KfdPrivateBytes.Reader p = kfd.Private.Open();
        ulong size = (ulong)p.Length, boPriv = (ulong)((12 + (4 * gpuSlots) + 7) & ~7);
        ulong at = ProcessPriv + (DevicePriv * (ulong)kfd.NumOfGpus) + ((uint)kfd.NumOfBos * boPriv);
        var ranges = new List<(uint, ulong)>();
        for (uint i = 0; i < kfd.NumOfObjects; i++)
        {
            if (at + 4 > size || (U32(p, at) == 0 && at + QueuePriv > size))
            {
                return null;
            }

            uint type = U32(p, at);
            ulong length = type switch { 0 => QueuePriv + (ulong)U32(p, at + 108) + U32(p, at + 112), 1 => EventPriv, _ => SvmPriv + ((4 + (ulong)kfd.NumOfGpus) * SvmAttr) };
            if (length > size - at)
            {
                return null;
            }

            if (type == 2)
            {
                ranges.Add((i, at));
            }

            at += length;
        }

        return at == size ? ranges : null;
    }

    private static KfdRefusal? Refusal(CriuKfd kfd, List<(uint Index, ulong At)> ranges)
    {
        KfdPrivateBytes.Reader p = kfd.Private.Open();
        HashSet<uint> gpus = [.. kfd.DeviceEntries.Where(d => d.IsGpu).Select(d => d.GpuId)];
        ulong attrs = 4 + (ulong)kfd.NumOfGpus;
        foreach ((uint i, ulong at) in ranges)
        {
            for (ulong a = 0; a < attrs; a++)
            {
                ulong field = at + SvmPriv + (a * SvmAttr);
                uint kind = U32(p, field), value = U32(p, field + 4);
                if (kind is not (PreferredLoc or PrefetchLoc or Access or AccessInPlace or NoAccess or SetFlags or ClrFlags or Granularity))
                {
                    return Refuse(EINVAL, "svm-attr-type", 746, $"SVM range object {i}'s attribute {a} (byte {field}) has type {kind}, which svm_range_set_attr does not know", Svm);
                }

                // An undefined prefetch location was turned into SET_FLAGS 0 (kfd_svm.c:4031-4037); system memory names no GPU.
                bool gpu = kind is Access or AccessInPlace or NoAccess || (kind is PreferredLoc or PrefetchLoc && value is not (SysMem or Undefined));
                if (gpu && !gpus.Contains(value))
                {
                    return Refuse(EINVAL, "svm-attr-gpu", 751, $"SVM range object {i}'s attribute {a} (byte {field}, type {kind}) names gpu {Gpu(value)}, no device of the process", Svm);
                }
            }

        }

        return null;
    }
}
