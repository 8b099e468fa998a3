using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// The replay's store_dmabuf_fd table (amdgpu_plugin.c:1078-1099 at 2cf8f13): the first fd stored under each handle
/// number. KFD BOs are kept by value; render-node exports as which node and which BO only (<see cref="RenderNodeBoSet"/>),
/// their <see cref="StoredDmabuf"/> made when asked. A handle is in one of the two at most: the first store wins.
/// </summary>
internal sealed class StoredFds(long renderNodeBos)
{
    private readonly Dictionary<uint, StoredDmabuf> _kfd = [];
    private readonly Dictionary<uint, ulong> _kfdSizes = [];
    private readonly RenderNodeBoSet _drm = new(RenderNodeBoKey.Handle, renderNodeBos);

    /// <summary>How many handles have an fd stored.</summary>
    public int Count => _kfd.Count + _drm.Count;

    /// <summary>Whether an fd is stored under <paramref name="handle"/>.</summary>
    public bool Contains(uint handle) => _kfd.ContainsKey(handle) || _drm.Contains(handle, 0);

    /// <summary>What was stored first under <paramref name="handle"/>.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored under it.</exception>
    public StoredDmabuf this[uint handle] =>
        _kfd.TryGetValue(handle, out StoredDmabuf stored) ? stored
        : _drm.TryGet(handle, 0, out CriuRenderNode node, out string file, out int index) ? StoredDmabuf.Drm(file, node.Id, node.DrmRenderMinor, index)
        : throw new KeyNotFoundException($"no fd is stored under handle {handle}");

    /// <summary>The size of the BO stored first under <paramref name="handle"/>: what an import of the number gets.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored under it.</exception>
    public ulong SizeOf(uint handle) =>
        _kfdSizes.TryGetValue(handle, out ulong size) ? size
        : _drm.TryGet(handle, 0, out CriuRenderNode node, out _, out int index) ? node.Entries.At(index).Size
        : throw new KeyNotFoundException($"no fd is stored under handle {handle}");

    /// <summary>Stores a KFD BO's fd (a BO of <paramref name="size"/> bytes) under <paramref name="handle"/> unless one is stored there already.</summary>
    public void AddKfd(uint handle, StoredDmabuf stored, ulong size)
    {
        if (!_drm.Contains(handle, 0) && _kfd.TryAdd(handle, stored))
        {
            _kfdSizes[handle] = size;
        }
    }

    /// <summary>Stores the fd of render-node BO <paramref name="index"/> of <paramref name="node"/> (its values <paramref name="bos"/>, restored from <paramref name="file"/>) unless one is stored under its handle already.</summary>
    public void AddDrm(CriuRenderNode node, RenderNodeBos bos, string file, int index)
    {
        if (!_kfd.ContainsKey(bos.HandleAt(index)))
        {
            _drm.TryAdd(node, bos, file, index);
        }
    }
}
