using CriuImage.Criu;
using CriuImage.Verification;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The kernel's checks of each BO's private record, in BO order, as criu_restore_bo and
/// criu_restore_memory_of_gpu make them (kfd_chardev.c:2309-2445, Linux 6.12.118): the BO's GPU is a device
/// of the process, its idr handle fits an int and is free on that GPU, and every GPU it was mapped on is one.
/// </summary>
internal static class KfdPrivateBos
{
    public static KfdRefusal? Check(CriuKfd kfd, KfdPrivateBytes.Reader p, ulong bosAt, ulong boPriv, int gpuSlots, HashSet<uint> gpus)
    {
        int bos = (int)Math.Min(kfd.NumOfBos, (ulong)kfd.BoEntries.Count);
        int taken = FirstTaken(kfd, p, bosAt, boPriv, bos);
        for (int i = 0; i < bos; i++)
        {
            ulong record = bosAt + ((ulong)i * boPriv);
            uint gpu = kfd.Bos.At(i).GpuId, handle = U32(p, record + 8);
            if (!gpus.Contains(gpu))
            {
                return Refuse(ENODEV, "bo-gpu", 2395, $"BO {i} is on gpu {Gpu(gpu)}, no device of the image");
            }

            if (handle > int.MaxValue)
            {
                return Refuse(EINVAL, "bo-idr-handle", 2319, $"BO {i}'s idr handle {handle} (byte {record + 8}) is above INT_MAX");
            }

            // Every BO before it passed its checks (else the walk stopped there), so the one it repeats was restored.
            if (i == taken)
            {
                return Refuse(ENOMEM, "bo-idr-taken", 2364, $"BO {i}'s idr handle {handle} (byte {record + 8}) is taken by an earlier BO of gpu {Gpu(gpu)}: idr_alloc of exactly it fails");
            }

            // The kernel reads the mapped GPUs up to the first 0, at most one per device of the process.
            for (int j = 0; j < (int)kfd.NumOfGpus && j < gpuSlots; j++)
            {
                uint mapped = U32(p, record + 12 + ((ulong)j * 4));
                if (mapped == 0)
                {
                    break;
                }

                if (!gpus.Contains(mapped))
                {
                    return Refuse(EINVAL, "bo-mapped-gpu", 2414, $"BO {i} was mapped on gpu {Gpu(mapped)} (byte {record + 12 + ((ulong)j * 4)}), no device of the image");
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The first BO whose GPU and idr handle an earlier BO has, or -1: the BOs sorted by the two (ties in BO order), held
    /// up to <see cref="IdrKey.HeldAtMost"/> and past it in sorted runs in a scratch file (<see cref="SpillBuffer{T}"/>),
    /// so memory stays at that budget whatever the number of BOs (a key a BO was 16 MB at 2x10^6 BOs).
    /// </summary>
    private static int FirstTaken(CriuKfd kfd, KfdPrivateBytes.Reader p, ulong bosAt, ulong boPriv, int bos)
    {
        using var keys = new SpillBuffer<IdrKey>(IdrKey.HeldAtMost);
        KfdBoList.ValueWalk walk = kfd.Bos.Values;
        while (walk.MoveNext() && walk.Index < bos)
        {
            int i = walk.Index;
            keys.Add(new IdrKey(((ulong)walk.Current.GpuId << 32) | U32(p, bosAt + ((ulong)i * boPriv) + 8), i));
        }

        var repeats = new Repeats();
        keys.InOrder(ref repeats);
        return repeats.First;
    }

    /// <summary>A BO's GPU and idr handle as one key, and the BO (16 bytes).</summary>
    private readonly record struct IdrKey(ulong Key, int Bo) : ISpillRecord
    {
        /// <summary>Keys held before a run is spilled: 512 KiB, and 1 MiB of sort keys when they come out of order.</summary>
        public const int HeldAtMost = 1 << 15;

        public ulong SortKey => Key;
    }

    /// <summary>Finds, in key order, the lowest BO whose key is the one before it: a later BO of a key met already.</summary>
    private struct Repeats() : IOrderedVisitor<IdrKey>
    {
        private ulong _last;
        private bool _any;

        /// <summary>The lowest such BO, or -1.</summary>
        public int First { get; private set; } = -1;

        public void Visit(in IdrKey item)
        {
            if (_any && item.Key == _last && (First < 0 || item.Bo < First))
            {
                First = item.Bo;
            }

            _last = item.Key;
            _any = true;
        }
    }
}
