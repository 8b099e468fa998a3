namespace CriuImage.IO;

/// <summary>
/// The bytes of values that the files read together (a dump's, an input set's) may hold in memory, shared by all of them:
/// each reader takes from it as it holds values and, once it is spent, keeps the rest outside memory (a render node reads
/// its entries again from its file, a KFD image puts its BO values in a scratch file). Where each file had a budget of its
/// own, k files held k times as much: a dump of a KFD image and a render node of 10^6 BOs each reached 243-250 MiB RSS in
/// a 256 MiB container.
/// </summary>
internal sealed class HeldBudget
{
    private static readonly AsyncLocal<HeldBudget?> Shared = new();

    private long _left;

    private HeldBudget(long bytes) => _left = bytes;

    /// <summary>
    /// The whole budget of a read: a quarter of the memory the GC may use (in a container, of its limit: 48 MiB under
    /// 256 MiB), so that values that fit are walked at the speed of memory and what does not stays within the limit.
    /// </summary>
    public static long Total => Set.Value ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;

    /// <summary>A <see cref="Total"/> of the caller's for its flow (tests read small files as if they were past the budget).</summary>
    public static AsyncLocal<long?> Set { get; } = new();

    /// <summary>
    /// The budget the readers of the calling flow share: the one <see cref="Share"/> made, or else a whole
    /// <see cref="Total"/> for the one file a caller reads on its own.
    /// </summary>
    public static HeldBudget Current => Shared.Value ?? new HeldBudget(Total);

    /// <summary>
    /// Makes one budget of <paramref name="bytes"/> (default <see cref="Total"/>) that every reader of the calling flow takes
    /// from until the returned scope is disposed (a synchronous read of the files that are held together).
    /// </summary>
    public static Scope Share(long? bytes = null)
    {
        Scope scope = new(Shared.Value);
        Shared.Value = new HeldBudget(bytes ?? Total);
        return scope;
    }

    /// <summary>Takes <paramref name="bytes"/> when that many are left; false (nothing taken) when not.</summary>
    public bool TryTake(long bytes)
    {
        long left = Volatile.Read(ref _left);
        while (left >= bytes)
        {
            long seen = Interlocked.CompareExchange(ref _left, left - bytes, left);
            if (seen == left)
            {
                return true;
            }

            left = seen;
        }

        return false;
    }

    /// <summary>Gives back <paramref name="bytes"/> taken before, whose values were let go.</summary>
    public void GiveBack(long bytes) => Interlocked.Add(ref _left, bytes);

    /// <summary>The budget in force before <see cref="Share"/>, put back when disposed.</summary>
    internal readonly struct Scope(HeldBudget? outer) : IDisposable
    {
        /// <summary>Puts the budget in force before back.</summary>
        public void Dispose() => Shared.Value = outer;
    }
}
