using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// The render-node BOs (file, saved handle) whose calls CRIU began in the replay. A BO is begun only when it is not
/// restored yet, and once begun it is restored unless a call of it ends the restore there: so the begun BOs are the
/// restored ones (<see cref="RenderNodeBoSet"/>, its BOs added with their file) and the last one begun. A set of
/// (file, handle) pairs of its own held 24 bytes and more per BO. <paramref name="restoredOf"/> gives the set a file's
/// BOs are added to: the plugin's list of completed BOs is a global of each task's process.
/// </summary>
internal sealed class BosBegun(Func<string, RenderNodeBoSet> restoredOf)
{
    private (string File, uint Handle)? _last;

    /// <summary>CRIU begins the calls of the BO <paramref name="handle"/> of <paramref name="file"/>.</summary>
    public void Begin(string file, uint handle) => _last = (file, handle);

    /// <summary>Whether CRIU began the calls of this BO.</summary>
    public bool Contains((string File, uint Handle) bo) => _last == bo || restoredOf(bo.File).Holds(bo.File, bo.Handle);

    /// <summary>How many of the BOs <paramref name="bos"/> of <paramref name="file"/> CRIU never began.</summary>
    public int NotBegun(string file, RenderNodeBos bos)
    {
        RenderNodeBoSet restored = restoredOf(file);
        int node = restored.NodeOf(file);
        if (restored.HoldsAll(node, bos.Count))
        {
            return 0;
        }

        int count = 0;
        for (int i = 0; i < bos.Count; i++)
        {
            uint handle = bos.HandleAt(i);
            count += _last == (file, handle) || restored.Holds(node, file, handle) ? 0 : 1;
        }

        return count;
    }
}
