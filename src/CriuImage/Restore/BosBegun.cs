namespace CriuImage.Restore;

/// <summary>
/// The render-node BOs (file, saved handle) whose calls CRIU began in the replay. A BO is begun only when it is not
/// restored yet, and once begun it is restored unless a call of it ends the restore there: so the begun BOs are the
/// restored ones (<see cref="RenderNodeBoSet"/>, its BOs added with their file) and the last one begun. A set of
/// (file, handle) pairs of its own held 24 bytes and more per BO.
/// </summary>
internal sealed class BosBegun(RenderNodeBoSet restored)
{
    private (string File, uint Handle)? _last;

    /// <summary>CRIU begins the calls of the BO <paramref name="handle"/> of <paramref name="file"/>.</summary>
    public void Begin(string file, uint handle) => _last = (file, handle);

    /// <summary>Whether CRIU began the calls of this BO.</summary>
    public bool Contains((string File, uint Handle) bo) => _last == bo || restored.Holds(bo.File, bo.Handle);
}
