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

