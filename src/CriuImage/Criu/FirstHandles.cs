namespace CriuImage.Criu;

/// <summary>
/// The first BO of each handle among a render node's BOs, as they are taken in order: CRI105's duplicate-handle check
/// without a dictionary. A slot holds a BO's index only (4 bytes) and its handle is read back from the node's values;
/// a dictionary of handle to byte offset held 24 bytes per BO, and twice that while it grew.
/// </summary>
internal sealed class FirstHandles(RenderNodeBos bos)
{
    private const double MaxLoad = 0.7;

    private readonly int[] _slots = new int[Math.Min(Array.MaxLength, (long)(bos.Count / MaxLoad) + 8)];

    /// <summary>Takes BO <paramref name="index"/>: true when its handle is first seen; otherwise false and the index of the first BO that had it.</summary>
    public bool TryTake(int index, out int first)
    {
        uint handle = bos.At(index).Handle;
        int slot = (int)((ulong)(uint)((ulong)handle * 0x9E3779B97F4A7C15UL >> 32) * (ulong)_slots.Length >> 32);
        while (_slots[slot] != 0)
        {
            if (bos.At(_slots[slot] - 1).Handle == handle)
            {
                first = _slots[slot] - 1;
                return false;
            }

            slot = slot + 1 == _slots.Length ? 0 : slot + 1;
        }

        // Every BO is taken once, so the table made at the node's size never fills.
        _slots[slot] = index + 1;
        first = index;
        return true;
    }
}
