using System.Numerics;
using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// A set of render-node BOs found by their handle, or by their handle and render minor, for the replay: its
/// store_dmabuf_fd table of render-node exports and its set of restored BOs (which tells the BOs it began too). A slot holds only which node and which
/// BO (4 bytes: the BO's number among those of every node added, in the order added); the key is read back from the node's BO values. A hash set of (handle, minor) or a dictionary of
/// handle to what was stored held 40 to 67 bytes per BO with their growth, about 90 MB at 10^6 BOs; this holds 5.
/// </summary>
internal sealed class RenderNodeBoSet
{
    private const double MaxLoad = 0.8;

    private readonly RenderNodeBoKey _key;
    /// <summary>The nodes added, each with the number of its first BO (the BOs of the nodes before it).</summary>
    private readonly List<(CriuRenderNode Node, RenderNodeBos Bos, string File, int First)> _nodes = [];
    /// <summary>Made when a BO first breaks the run (<see cref="_run"/>): a node whose handles rise never needs them.</summary>
    private int[] _slots = [];
    private readonly long _expected;
    /// <summary>
    /// A bit per key, at the handle's own place (<see cref="Bit"/>): a clear bit says a key is absent without a probe of
    /// the slots and the BO values behind them, both random reads. Handles are mostly numbered in order, so the bits
    /// a node's BOs ask for lie side by side (2 to 4 bits per BO expected).
    /// </summary>
    private readonly ulong[] _seen;
    /// <summary>
    /// The last BOs added, while they are one node's BOs in index order with rising handles (GEM handles are numbered in
    /// order, and CRIU dumps the BOs in that order): entries [from, to) held outside the slots, found by bisection; the
    /// slots, a random write each, take them only once a BO breaks the run.
    /// </summary>
    private (int From, int To, int Node, uint Last) _run;
    /// <summary>Per node added (as <see cref="_nodes"/>), how many of its BOs the set holds.</summary>
    private readonly List<int> _added = [];
    private int _lastNode = -1;

    /// <param name="key">What makes two BOs the same.</param>
    /// <param name="expected">How many BOs the set may come to hold (it grows past that if asked).</param>
    public RenderNodeBoSet(RenderNodeBoKey key, long expected)
    {
        _key = key;
        _expected = Math.Max(expected, 8);
        _seen = new ulong[Math.Max(1, (int)(BitOperations.RoundUpToPowerOf2((ulong)Math.Min(Math.Max(expected, 64), 1L << 30)) * 2 / 64))];
    }

    /// <summary>How many BOs the set holds.</summary>
    public int Count { get; private set; }

    /// <summary>Whether a BO of this key is in the set (<paramref name="minor"/> unused unless the key has it).</summary>
    public bool Contains(uint handle, uint minor) => Find(handle, minor) != 0;

    /// <summary>Whether a BO of this handle was added from the file of this name (with the key's other part, the one added).</summary>
    public bool Holds(string file, uint handle) => Holds(NodeOf(file), file, handle);

    /// <summary>As <see cref="Holds(string, uint)"/>, with the file's node looked up once (<see cref="NodeOf"/>) for a walk over its BOs.</summary>
    public bool Holds(int node, string file, uint handle)
    {
        int at = node < 0 ? 0 : Find(handle, Scope(node));
        return at != 0 && _nodes[Locate(at).Node].File == file;
    }

    /// <summary>Whether the set holds every BO of node <paramref name="node"/> (<see cref="NodeOf"/>), <paramref name="bos"/> of them, each as its own key's BO: <see cref="Holds(int, string, uint)"/> is then true for each.</summary>
    public bool HoldsAll(int node, int bos) => node >= 0 && _nodes[node].Bos.Count == bos && _added[node] == bos;

    /// <summary>The place of the first node added from the file of this name, or -1.</summary>
    public int NodeOf(string file)
    {
        for (int n = 0; n < _nodes.Count; n++)
        {
            if (_nodes[n].File == file)
            {
                return n;
            }
        }

        return -1;
    }

    /// <summary>The node, the name of the file it was stored from, and the index of the BO of this key; false when none is.</summary>
    public bool TryGet(uint handle, uint minor, out CriuRenderNode node, out string file, out int index)
    {
        int at = Find(handle, minor);
        if (at == 0)
        {
            (node, file, index) = (null!, "", -1);
            return false;
        }

        (int n, index) = Locate(at);
        (node, _, file, _) = _nodes[n];
        return true;
    }

    /// <summary>Adds BO <paramref name="index"/> of <paramref name="node"/> (its values <paramref name="bos"/>, read from <paramref name="file"/>) unless a BO of its key is in the set: false then, the set unchanged.</summary>
    public bool TryAdd(CriuRenderNode node, RenderNodeBos bos, string file, int index)
    {
        uint handle = bos.HandleAt(index);
        int number = NodeNumber(node, bos, file);
        if (Find(handle, Scope(number)) != 0)
        {
            return false;
        }

        if (_slots.Length > 0 && Count + 1 > _slots.Length * MaxLoad)
        {
            Grow();
        }

        int at = checked(_nodes[number].First + index + 1);
        if (_run.To == at && _run.Node == number && handle > _run.Last)
        {
            _run = _run with { To = at + 1, Last = handle };
        }
        else
        {
            if (_run.To > _run.From && _slots.Length == 0)
            {
                _slots = new int[SlotsFor(Math.Max(_expected, Count + 1))];
            }

            for (int held = _run.From; held < _run.To; held++)
            {
                Put(held);
            }

            _run = (at, at + 1, number, handle);
        }

        _added[number]++;
        Count++;
        return true;
    }

    private static long SlotsFor(long count) => Math.Min(Array.MaxLength, (long)(count / MaxLoad) + 1);

    private int NodeNumber(CriuRenderNode node, RenderNodeBos bos, string file)
    {
        if (_lastNode >= 0 && ReferenceEquals(_nodes[_lastNode].Node, node) && _nodes[_lastNode].File == file)
        {
            return _lastNode;
        }

        _lastNode = _nodes.FindIndex(n => ReferenceEquals(n.Node, node) && n.File == file);
        if (_lastNode < 0)
        {
            // A node built by a caller gives a copy of its values on each walk: the first one is kept.
            _nodes.Add((node, bos, file, _nodes.Count == 0 ? 0 : checked(_nodes[^1].First + _nodes[^1].Bos.Count)));
            _added.Add(0);
            _lastNode = _nodes.Count - 1;
        }

        return _lastNode;
    }

    /// <summary>The node (its place in the list) and the BO index of a slot's value.</summary>
    private (int Node, int Index) Locate(int at)
    {
        int n = _nodes.Count - 1;
        while (_nodes[n].First > at - 1)
        {
            n--;
        }

        return (n, at - 1 - _nodes[n].First);
    }

    private (uint Handle, uint Minor) KeyOf(int at)
    {
        (int n, int index) = Locate(at);
        return (_nodes[n].Bos.HandleAt(index), Scope(n));
    }

    /// <summary>The key's part beside the handle for node <paramref name="n"/>: its render minor, or none.</summary>
    private uint Scope(int n) => _key == RenderNodeBoKey.HandleAndMinor ? _nodes[n].Node.DrmRenderMinor : 0;

    /// <summary>The key's bit in <see cref="_seen"/>: the handle itself, the minor moving it far off (a minor is 128 and up).</summary>
    private uint Bit(uint handle, uint minor) => (handle + (minor * 0x9E3779B9u)) & (uint)((_seen.Length * 64) - 1);

    private int Start(uint handle, uint minor, int length)
    {
        // Fibonacci hashing, then the hash scaled onto the table (any length, not only powers of two).
        uint hash = (uint)((((ulong)handle << 32) | minor) * 0x9E3779B97F4A7C15UL >> 32);
        return (int)((ulong)hash * (ulong)length >> 32);
    }

    /// <summary>The entry (a BO's number + 1) of the BO of this handle and key part (<see cref="Scope"/>), or 0.</summary>
    private int Find(uint handle, uint minor)
    {
        minor = _key == RenderNodeBoKey.Handle ? 0 : minor;
        if (_run.To > _run.From && handle <= _run.Last && Scope(_run.Node) == minor)
        {
            (RenderNodeBos bos, int first) = (_nodes[_run.Node].Bos, _nodes[_run.Node].First + 1);
            int low = _run.From;
            int high = _run.To - 1;
            while (low <= high)
            {
                int mid = low + ((high - low) >> 1);
                uint found = bos.HandleAt(mid - first);
                if (found == handle)
                {
                    return mid;
                }

                (low, high) = found < handle ? (mid + 1, high) : (low, mid - 1);
            }
        }

        uint bit = Bit(handle, minor);
        if ((_seen[bit >> 6] & (1UL << (int)bit)) == 0)
        {
            return 0;
        }

        int slot = Start(handle, minor, _slots.Length);
        while (_slots[slot] != 0)
        {
            if (KeyOf(_slots[slot]) == (handle, minor))
            {
                return _slots[slot];
            }

            slot = slot + 1 == _slots.Length ? 0 : slot + 1;
        }

        return 0;
    }

    /// <summary>Puts entry <paramref name="at"/> in the slots (the set has room: <see cref="TryAdd"/> grows it first).</summary>
    private void Put(int at)
    {
        (uint handle, uint minor) = KeyOf(at);
        uint bit = Bit(handle, minor);
        _seen[bit >> 6] |= 1UL << (int)bit;
        int slot = Start(handle, minor, _slots.Length);
        while (_slots[slot] != 0)
        {
            slot = slot + 1 == _slots.Length ? 0 : slot + 1;
        }

        _slots[slot] = at;
    }

    private void Grow()
    {
        int[] old = _slots;
        _slots = new int[Math.Min(Array.MaxLength, old.LongLength * 2)];
        foreach (int at in old)
        {
            if (at != 0)
            {
                Put(at);
            }
        }
    }
}

/// <summary>What makes two render-node BOs the same in a <see cref="RenderNodeBoSet"/>.</summary>
internal enum RenderNodeBoKey
{
    /// <summary>The handle: store_dmabuf_fd's table.</summary>
    Handle,

    /// <summary>The handle and the render minor: the BOs restored, on one device.</summary>
    HandleAndMinor,
}
