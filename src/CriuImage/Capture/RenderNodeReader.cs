using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Capture;

/// <summary>
/// Reads one render-node file's BOs and their mappings through a revision's two listing ioctls, into memory,
/// so that the image is written from one consistent pass: when a handle closes between the BO list and its
/// mapping call (the kernel answers that call ENOENT: amdgpu_gem_op_ioctl's drm_gem_object_lookup), the whole
/// pass starts again, a bounded number of times.
/// </summary>
internal sealed unsafe class RenderNodeReader
{
    /// <summary>Passes started again after a handle closed mid-capture before capture gives up.</summary>
    public const int MaxPasses = 8;

    private const int InitialBoCapacity = 64;
    private const int InitialMappingCapacity = 16;

    private readonly int _fd;
    private readonly AbiRevision _abi;
    private VmRecord[] _mappingBuffer = new VmRecord[InitialMappingCapacity];

    public RenderNodeReader(int fd, AbiRevision abi)
    {
        _fd = fd;
        _abi = abi;
    }

    /// <summary>The BOs, each with the range of <see cref="Mappings"/> that is its own.</summary>
    public List<(BoRecord Bo, int First)> Bos { get; } = [];

    /// <summary>Every BO's mappings, one after another in BO order.</summary>
    public List<VmRecord> Mappings { get; } = [];

    /// <summary>How many passes the capture took (1 when no handle closed under it).</summary>
    public int Passes { get; private set; }

    /// <summary>Reads the render node, starting again while handles close under it.</summary>
    public void Read()
    {
        uint? closed = null;
        for (Passes = 1; Passes <= MaxPasses; Passes++)
        {
            Bos.Clear();
            Mappings.Clear();
            closed = _abi == AbiRevision.Linux6_18 ? ReadLinux618() : ReadPosting();
            if (closed is null)
            {
                return;
            }
        }

        string last = closed == 0 ? $"last: a BO closed between the two passes of {Calls.BoInfo}" : $"last: BO {closed}";
        throw new CaptureException($"the process's buffer objects never held still: in {MaxPasses} passes a listed handle was closed before its mappings were read ({last})", Syscalls.Enoent);
    }

    private uint? ReadLinux618()
    {
        var entries = new GemListHandlesEntry[InitialBoCapacity];
        int errno = CountProtocol.Run(Calls.ListHandles, (uint capacity, void* array, out uint count) =>
        {
            var args = new GemListHandlesArgs { Entries = (ulong)array, NumEntries = capacity };
            int e = Syscalls.Ioctl(_fd, IoctlRequests.Linux6_18GemListHandles, &args);
            count = args.NumEntries;
            return e;
        }, ref entries, Calls.MaxBoEntries(sizeof(GemListHandlesEntry)), Calls.BoLimit, out int bos);
        Calls.ThrowIfFailed(errno, Calls.ListHandles, handle: null);

        for (int i = 0; i < bos; i++)
        {
            GemListHandlesEntry entry = entries[i];
            if (!TryReadMmapOffset(entry.GemHandle, out ulong? offset))
            {
                return entry.GemHandle;
            }

            bool open = TryAddBo(BoRecord.From(entry, offset, 0), Calls.GetMappingInfo, (uint capacity, void* array, out uint count) =>
            {
                var args = new GemOpArgs { Handle = entry.GemHandle, Op = GemOpArgs.OpGetMappingInfo, Value = (ulong)array, NumEntries = capacity };
                int e = Syscalls.Ioctl(_fd, IoctlRequests.Linux6_18GemOp, &args);
                count = args.NumEntries;
                return e;
            });
            if (!open)
            {
                return entry.GemHandle;
            }
        }

        return null;
    }

    /// <summary>
    /// The BO's mmap offset, read with GEM_MMAP as CRIU's dump reads it (amdgpu_plugin_drm.c:321-329 at
    /// 2cf8f13ca1f1); null where the kernel has none to give: amdgpu_mode_dumb_mmap answers -EPERM for a userptr
    /// BO or one without CPU access (CRIU's dump stops there; capture leaves the offset out, as FORMAT.md allows).
    /// False when the handle was closed (-ENOENT). The call only reads: the offset exists from the BO's creation.
    /// </summary>
    private bool TryReadMmapOffset(uint handle, out ulong? offset)
    {
        var args = new GemMmapArgs { HandleOrAddrPtr = handle };
        int errno = Syscalls.Ioctl(_fd, IoctlRequests.GemMmap, &args);
        offset = errno == 0 ? args.HandleOrAddrPtr : null;
        if (errno == Syscalls.Enoent)
        {
            return false;
        }

        if (errno != Syscalls.Eperm)
        {
            Calls.ThrowIfFailed(errno, Calls.Mmap, handle);
        }

        return true;
    }

    /// <summary>
    /// The postings' pass. criu-2025-06's bucket carries the mmap offset; criu-v8's has none, so it is read with
    /// GEM_MMAP as for linux-6.18 (the call is the same on those kernels).
    /// </summary>
    private uint? ReadPosting() => _abi == AbiRevision.Criu2025_06
        ? ReadPosting<Criu202506BoBucket>(IoctlRequests.Criu2025_06BoInfo, IoctlRequests.Criu2025_06MappingInfo, b => b.GemHandle, (in Criu202506BoBucket b, out BoRecord bo) =>
        {
            bo = BoRecord.From(b, 0);
            return true;
        })
        : ReadPosting<CriuV8BoBucket>(IoctlRequests.CriuV8BoInfo, IoctlRequests.CriuV8MappingInfo, b => b.GemHandle, (in CriuV8BoBucket b, out BoRecord bo) =>
        {
            bool open = TryReadMmapOffset(b.GemHandle, out ulong? offset);
            bo = BoRecord.From(b, offset, 0);
            return open;
        });

    /// <summary>A bucket's record; false when its handle was closed meanwhile.</summary>
    private delegate bool BucketRecord<TBucket>(in TBucket bucket, out BoRecord bo);

    private uint? ReadPosting<TBucket>(uint boInfo, uint mappingInfo, Func<TBucket, uint> handleOf, BucketRecord<TBucket> record)
        where TBucket : unmanaged
    {
        var buckets = new TBucket[InitialBoCapacity];
        int errno = CountProtocol.Run(Calls.BoInfo, (uint capacity, void* array, out uint count) =>
        {
            var args = new CriuBoInfoArgs { NumBos = capacity, BoBuckets = (ulong)array };
            int e = Syscalls.Ioctl(_fd, boInfo, &args);
            count = args.NumBos;
            return e;
        }, ref buckets, Calls.MaxBoEntries(sizeof(TBucket)), Calls.BoLimit, out int bos);
        Calls.ThrowIfFailed(errno, Calls.BoInfo, handle: null);

        for (int i = 0; i < bos; i++)
        {
            // The postings fill a zeroed array of the counted size in a second pass: a BO closed between the
            // passes leaves a bucket of handle 0 at the end, a handle DRM never gives (drm_gem_handle_create_tail
            // allocates from 1). Its mapping call would hand the kernel's idr_find NULL on: read the list again.
            if (handleOf(buckets[i]) == 0)
            {
                return 0;
            }

            if (!record(buckets[i], out BoRecord bo))
            {
                return bo.GemHandle;
            }

            bool open = TryAddBo(bo, Calls.MappingInfo, (uint capacity, void* array, out uint count) =>
            {
                var args = new CriuMappingInfoArgs { GemHandle = bo.GemHandle, NumMappings = capacity, VmBuckets = (ulong)array };
                int e = Syscalls.Ioctl(_fd, mappingInfo, &args);
                count = args.NumMappings;
                return e;
            });
            if (!open)
            {
                return bo.GemHandle;
            }
        }

        return null;
    }

    /// <summary>Reads <paramref name="bo"/>'s mappings with <paramref name="call"/> and adds both; false when the handle was closed (ENOENT).</summary>
    private bool TryAddBo(BoRecord bo, string name, CountProtocol.ListingCall call)
    {
        int errno = CountProtocol.Run($"BO {bo.GemHandle}: {name}", call, ref _mappingBuffer, Calls.MaxMappingEntries, Calls.MappingLimit, out int mappings);
        if (errno == Syscalls.Enoent)
        {
            return false;
        }

        Calls.ThrowIfFailed(errno, name, bo.GemHandle);
        Add(bo with { MappingCount = (uint)mappings }, mappings);
        return true;
    }

    private void Add(BoRecord bo, int mappings)
    {
        Bos.Add((bo, Mappings.Count));
        Mappings.AddRange(_mappingBuffer.AsSpan(0, mappings));
    }
}
