namespace CriuImage.Verification;

/// <summary>A BO's handle where the image has it (16 bytes), ordered by handle, ties in image order.</summary>
internal readonly record struct HandleSeen(uint Handle, int Bo, long Offset) : ISpillRecord
{
    /// <summary>Held before a run is spilled: 4 MiB, and 8 MiB of sort keys when handles do not rise.</summary>
    public const int HeldAtMost = 1 << 18;

    public ulong SortKey => Handle;
}

/// <summary>CRI105 of BO <see cref="Bo"/>, whose handle the record at <see cref="FirstAt"/> had first (24 bytes), ordered by BO.</summary>
internal readonly record struct DuplicateHandle(int Bo, uint Handle, long FirstAt, long Offset) : ISpillRecord
{
    /// <summary>Held before a run is spilled: 3 MiB, and 4 MiB of sort keys.</summary>
    public const int HeldAtMost = 1 << 17;

    public ulong SortKey => (ulong)Bo;
}

/// <summary>CRI105 by sorting: the BOs of an image whose handle an earlier BO had, found from their handles ordered on disk past a budget.</summary>
internal static class DuplicateHandles
{
    /// <summary>Each BO of <paramref name="handles"/> after the first of its handle, with where that first one is, ordered by BO; the caller disposes of it.</summary>
    public static SpillBuffer<DuplicateHandle> Of(SpillBuffer<HandleSeen> handles)
    {
        var duplicates = new SpillBuffer<DuplicateHandle>(DuplicateHandle.HeldAtMost);
        HandleSeen first = default;
        bool any = false;
        foreach (HandleSeen seen in handles.Ordered())
        {
            if (any && seen.Handle == first.Handle)
            {
                duplicates.Add(new DuplicateHandle(seen.Bo, seen.Handle, first.Offset, seen.Offset));
                continue;
            }

            first = seen;
            any = true;
        }

        return duplicates;
    }
}
