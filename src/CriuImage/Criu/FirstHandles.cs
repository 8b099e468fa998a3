namespace CriuImage.Criu;

/// <summary>
/// The first BO of each handle among a render node's BOs, as they are taken in order: CRI105's duplicate-handle check
/// without a dictionary. A slot holds a BO's index only (4 bytes) and its handle is read back from the node's values;
/// a dictionary of handle to byte offset held 24 bytes per BO, and twice that while it grew.
/// </summary>
internal sealed class FirstHandles(RenderNodeBos bos)
{
    private const double MaxLoad = 0.7;

    /// <summary>Made when a handle first breaks the rise (<see cref="_rising"/>): a node whose handles rise never needs them.</summary>
    private int[] _slots = [];

    /// <summary>
    /// The BOs taken so far, from the first, while their handles rise (GEM handles are numbered in order, and CRIU dumps
    /// the BOs in that order): none of them can repeat an earlier one, and they go into the slots, a random write each,
    /// only once a handle breaks the rise (then -1).
    /// </summary>
    private int _rising;

    /// <summary>Takes BO <paramref name="index"/>: true when its handle is first seen; otherwise false and the index of the first BO that had it.</summary>
    public bool TryTake(int index, out int first)
    {
        uint handle = bos.HandleAt(index);
        if (_rising >= 0)
        {
            if (_rising == index && (index == 0 || handle > bos.HandleAt(index - 1)))
            {
                _rising++;
                first = index;
                return true;
            }

            _slots = new int[Math.Min(Array.MaxLength, (long)(bos.Count / MaxLoad) + 8)];
            for (int taken = 0; taken < _rising; taken++)
            {
                Put(taken);
            }

            _rising = -1;
        }

        return Take(index, handle, out first);
    }

    private void Put(int index)
    {
        int slot = Start(bos.HandleAt(index));
        while (_slots[slot] != 0)
        {
            slot = slot + 1 == _slots.Length ? 0 : slot + 1;
        }

        _slots[slot] = index + 1;
    }

    private int Start(uint handle) => (int)((ulong)(uint)((ulong)handle * 0x9E3779B97F4A7C15UL >> 32) * (ulong)_slots.Length >> 32);

    private bool Take(int index, uint handle, out int first)
    {
        int slot = Start(handle);
        while (_slots[slot] != 0)
        {
            if (bos.HandleAt(_slots[slot] - 1) == handle)
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
