using CriuImage.Criu;
using CriuImage.Format;

namespace CriuImage.Verification;

/// <summary>One overlap in a GPU's VA space: a KFD BO and another KFD BO or a render-node mapping, each with its name.</summary>
/// <param name="KfdBo">The index of the KFD BO in its image.</param>
/// <param name="Kfd">The KFD BO's pages.</param>
/// <param name="Other">The other range's pages (a render-node mapping's <see cref="MappingRange.Mapping"/> is its index in its BO).</param>
/// <param name="RenderNodeHandle">The saved handle of the render-node BO of <paramref name="Other"/>; null when it is a KFD BO.</param>
/// <param name="KfdName">The KFD BO as reports name it.</param>
/// <param name="OtherName">The other range as reports name it.</param>
internal readonly record struct VaOverlap(int KfdBo, MappingRange Kfd, MappingRange Other, uint? RenderNodeHandle, string KfdName, string OtherName);

/// <summary>
/// The VA space of one GPU of a KFD process: its KFD BOs and the mappings of the render node whose VM it is (CRI314,
/// which verify says and plan refuses at the render node's GEM_VA). At restore CRIU opens one render node per target
/// GPU and hands that descriptor both to AMDKFD_IOC_CRIU_OP RESTORE (restore_devices, amdgpu_plugin.c:1582) and to the
/// render node's restore (:1889), so the KFD BOs are mapped first into the VM the render node's GEM_VA maps into.
/// </summary>
internal static class GpuVaSpaces
{
    /// <summary>
    /// The render node of <paramref name="gpu"/> whose mappings share its KFD process VM, or null. The KFD VM is the VM
    /// of the one DRM file the process passed to ACQUIRE_VM; every DRM file has its own VM (amdgpu_driver_open_kms),
    /// and another process has another. Which file that was is in CRIU's files.img, not read: compared only when one
    /// process (<paramref name="kfdImages"/> 1) has one render node of this GPU.
    /// </summary>
    public static CriuDumpFile? SharedNode(int kfdImages, IEnumerable<CriuDumpFile> nodes, uint gpu)
    {
        List<CriuDumpFile> sameGpu = [.. nodes.Where(n => n.RenderNode!.Message.GpuId == gpu)];
        return kfdImages == 1 && sameGpu.Count == 1 ? sameGpu[0] : null;
    }

    /// <summary>Which GPU a KFD BO of an overlap is of: <c>gpu_id G</c>, or, for a peer's BO mapped on <paramref name="gpu"/>, both.</summary>
    public static string GpuOf(CriuKfd kfd, int bo, uint gpu)
    {
        uint own = kfd.Bos.At(bo).GpuId;
        return own == gpu ? $"gpu_id 0x{gpu:x}" : $"a BO of gpu_id 0x{own:x} the private data maps on gpu_id 0x{gpu:x}";
    }

    /// <summary>
    /// Each overlap of a KFD BO in the VM of <paramref name="gpu"/> with another of them or with a mapping of
    /// <paramref name="node"/>. The BOs in that VM are those <paramref name="mapped"/> (BO index, GPU) says the restore
    /// maps on the GPU (CriuImage.Restore.KfdMappedGpus, from the private data: its own unmapped BOs are not, a peer's
    /// mapped on it are); null: the GPU's own BOs.
    /// </summary>
    public static void Overlaps(CriuKfd kfd, uint gpu, CriuDumpFile? node, Func<int, uint, bool>? mapped, Action<VaOverlap> found)
    {
        // Ordinals: KFD BOs first, then one per render-node mapping of this GPU. Names are made only for
        // an overlap found (the handle of each mapping's BO is kept for it), never one per range.
        using var ranges = new SpillBuffer<MappingRange>(MappingRange.HeldAtMost);
        int kfdRanges = 0;
        KfdBoList.ValueWalk bos = kfd.Bos.Values;
        while (bos.MoveNext())
        {
            KfdBo bo = bos.Current;
            int i = bos.Index;
            if ((mapped is null ? bo.GpuId == gpu : mapped(i, gpu)) && bo.Size > 0 && (UInt128)bo.Addr + bo.Size <= (UInt128)ulong.MaxValue + 1)
            {
                ranges.Add(new MappingRange(bo.Addr, bo.Addr + bo.Size - 1, kfdRanges++, (uint)i));
            }
        }

        var handles = new List<uint>();
        foreach (ref readonly DrmBo bo in node is null ? default : node.RenderNode!.Message.Entries.Values)
        {
            for (int m = 0; m < bo.VmEntries.Length; m++)
            {
                VmRecord vm = bo.VmEntries[m];
                if (vm.Size > 0 && (UInt128)vm.Addr + vm.Size <= (UInt128)ulong.MaxValue + 1)
                {
                    ranges.Add(new MappingRange(vm.Addr, vm.Addr + vm.Size - 1, kfdRanges + handles.Count, (uint)m));
                    handles.Add(bo.Handle);
                }
            }
        }

        string Name(MappingRange r) => r.Bo < kfdRanges ? $"KFD BO {r.Mapping}"
            : $"mapping {r.Mapping} of render-node BO {handles[r.Bo - kfdRanges]} in {node!.FileName}";
        OverlapSweep.Run(ranges, (a, b) =>
        {
            (MappingRange kfdSide, MappingRange other) = a.Bo < b.Bo ? (a, b) : (b, a);
            if (kfdSide.Bo < kfdRanges)
            {
                found(new VaOverlap((int)kfdSide.Mapping, kfdSide, other, other.Bo < kfdRanges ? null : handles[other.Bo - kfdRanges], Name(kfdSide), Name(other)));
            }
        });
    }
}
