namespace CriuImage.Verification;

/// <summary>
/// What <c>verify</c> keeps of each BO of a criu-image read from its file (its handle, size, mmap offset and where it
/// is), for the rules over the whole image: 32 bytes a BO in chunks of 8,192, never copied as the table grows, and
/// CRI105's first BO of each handle as a 4-byte BO number per slot, the handle read back from the table. A
/// <c>List</c> of 40-byte records and a dictionary of handle to offset took about 70 bytes a BO, and about twice
/// that at the moment each doubled (10^6 one-mapping BOs: more than a 96 MiB heap).
/// </summary>
internal sealed class BoTable
{
    private const int ChunkBits = 13;
    private const int ChunkSize = 1 << ChunkBits;
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<BoInfo[]> _chunks = [];
    private int[] _slots = new int[1 << 10];
    private int _handles;

    /// <summary>The BOs taken.</summary>
    public int Count { get; private set; }

    /// <summary>BO <paramref name="index"/>, in the order taken.</summary>
    public ref readonly BoInfo this[int index] => ref _chunks[index >> ChunkBits][index & ChunkMask];

    /// <summary>Takes the next BO; the index of the first BO taken with its handle, or -1 when its handle is new.</summary>
    public int Add(in BoInfo bo)
    {
        int index = Count;
        if ((index & ChunkMask) == 0)
        {
            _chunks.Add(new BoInfo[ChunkSize]);
        }

        _chunks[^1][index & ChunkMask] = bo;
        Count++;
        if ((_handles + 1) * 10L > _slots.Length * 7L)
        {
            Grow();
        }

        int slot = SlotOf(bo.Handle, _slots);
        if (_slots[slot] != 0)
        {
            return _slots[slot] - 1;
        }

        _slots[slot] = index + 1;
        _handles++;
        return -1;
    }

    /// <summary>The slot of <paramref name="handle"/> in <paramref name="slots"/>: the one that holds its first BO, or the empty one it would take.</summary>
    private int SlotOf(uint handle, int[] slots)
    {
        int slot = (int)((ulong)(uint)((ulong)handle * 0x9E3779B97F4A7C15UL >> 32) * (ulong)slots.Length >> 32);
        while (slots[slot] != 0 && this[slots[slot] - 1].Handle != handle)
        {
            slot = slot + 1 == slots.Length ? 0 : slot + 1;
        }

        return slot;
    }

    private void Grow()
    {
        int[] slots = new int[_slots.Length * 2];
        foreach (int taken in _slots)
        {
            if (taken != 0)
            {
                slots[SlotOf(this[taken - 1].Handle, slots)] = taken;
            }
        }

        _slots = slots;
    }
}

/// <summary>A BO as the rules over a whole criu-image need it: 32 bytes (the offset's presence beside the handle).</summary>
internal readonly struct BoInfo
{
    private readonly bool _hasOffset;
    private readonly ulong _offset;

    /// <summary>A BO's facts.</summary>
    public BoInfo(uint handle, ulong size, ulong? mmapOffset, long byteOffset)
    {
        Handle = handle;
        _hasOffset = mmapOffset.HasValue;
        Size = size;
        _offset = mmapOffset.GetValueOrDefault();
        ByteOffset = byteOffset;
    }

    /// <summary>GEM handle.</summary>
    public uint Handle { get; }

    /// <summary>Size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The DRM mmap offset, where the ABI records one.</summary>
    public ulong? MmapOffset => _hasOffset ? _offset : null;

    /// <summary>Where the BO record is in the file.</summary>
    public long ByteOffset { get; }
}
