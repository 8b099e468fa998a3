using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>A BO as plan's overlap refusals name it: its saved handle and the index of its first call (16 bytes).</summary>
internal readonly record struct BoCall(uint Handle, long FirstCall);

/// <summary>A call the rules per record refuse, by index (8 bytes); the survey's record of it, ordered by call.</summary>
internal readonly record struct RefusedCall(long Call) : ISpillRecord
{
    /// <summary>Held before a run is spilled: 2 MiB, and 8 MiB of sort keys when they come out of call order.</summary>
    public const int HeldAtMost = 1 << 18;

    public ulong SortKey => (ulong)Call;
}

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
