using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// The BOs of one GPU among a KFD image's first <c>count</c> whose contents the dump saved (VRAM and GTT), in image
/// order, as dump_bo_contents writes them into the GPU's pages file: a walk of the values each time it is asked, for
/// <c>foreach ((int i, KfdBo bo) in ...)</c>, so that no list of indexes a GPU grows with the image.
/// </summary>
internal ref struct SavedKfdBos
{
    private readonly uint _gpu;
    private readonly int _count;
    private KfdBoList.ValueWalk _walk;

    /// <summary>The saved BOs of gpu <paramref name="gpu"/> among the first <paramref name="count"/> of <paramref name="bos"/>.</summary>
    public SavedKfdBos(KfdBoList bos, int count, uint gpu)
    {
        _walk = bos.Values;
        _count = count;
        _gpu = gpu;
    }

    /// <summary>The BO the walk is at, and its index in the image.</summary>
    public readonly (int Index, KfdBo Bo) Current => (_walk.Index, _walk.Current);

    /// <summary>Their sizes added up: what the GPU's pages file should hold after its header.</summary>
    public static ulong Total(KfdBoList bos, int count, uint gpu)
    {
        ulong total = 0;
        foreach ((_, KfdBo bo) in new SavedKfdBos(bos, count, gpu))
        {
            total += bo.Size;
        }

        return total;
    }

    /// <summary>Whether the GPU has any.</summary>
    public static bool Any(KfdBoList bos, int count, uint gpu) => new SavedKfdBos(bos, count, gpu).MoveNext();

    /// <summary>This walk (for <c>foreach</c>).</summary>
    public readonly SavedKfdBos GetEnumerator() => this;

    /// <summary>Steps to the next saved BO of the GPU.</summary>
    public bool MoveNext()
    {
        while (_walk.MoveNext() && _walk.Index < _count)
        {
            KfdBo bo = _walk.Current;
            if (bo.GpuId == _gpu && bo.HasContents)
            {
                return true;
            }
        }

        return false;
    }
}
