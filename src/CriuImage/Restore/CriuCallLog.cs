using System.Collections;
using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// Where a replay puts the calls it makes: a list (<see cref="Held"/>), a count alone (<see cref="Counted"/>), or
/// a receiver that gets each call once it is settled (<see cref="Streamed"/>). Only the last call is kept
/// open in every mode: the replay may still amend it (a return the target does not tell), so it goes on when
/// the next call comes or the replay ends.
/// </summary>
internal sealed class CriuCallLog : IEnumerable<CriuCall>
{
    private readonly List<CriuCall>? _held;
    private readonly Action<CriuCall>? _receiver;
    private CriuCall? _last;

    private CriuCallLog(List<CriuCall>? held, Action<CriuCall>? receiver)
    {
        _held = held;
        _receiver = receiver;
    }

    /// <summary>The calls made so far.</summary>
    public int Count { get; private set; }

    /// <summary>The last call (<c>log[^1]</c>), which the replay reads and amends; no other call can be reached.</summary>
    public CriuCall this[int index]
    {
        get => index == Count - 1 ? _last! : throw new ArgumentOutOfRangeException(nameof(index), "only the last call is open");
        set => _last = index == Count - 1 ? value : throw new ArgumentOutOfRangeException(nameof(index), "only the last call is open");
    }

    /// <summary>Every call, in a list.</summary>
    public static CriuCallLog Held() => new([], null);

    /// <summary>The number of calls only.</summary>
    public static CriuCallLog Counted() => new(null, null);

    /// <summary>Each call handed to <paramref name="receiver"/> once settled, none kept.</summary>
    public static CriuCallLog Streamed(Action<CriuCall> receiver) => new(null, receiver);

    /// <summary>Whether the log keeps or hands over calls: false when it only counts them, and a call need not be built.</summary>
    public bool Keeps => _held is not null || _receiver is not null;

    /// <summary>Counts a call made when the log only counts (true); false when it <see cref="Keeps"/> calls, and the caller adds it.</summary>
    public bool TryCount()
    {
        if (Keeps)
        {
            return false;
        }

        _last = null;
        Count++;
        return true;
    }

    /// <summary>Counts <paramref name="calls"/> calls made elsewhere (another log that only counted them), as that many <see cref="TryCount"/> would; nothing when the log <see cref="Keeps"/> calls.</summary>
    public void AddCounted(int calls)
    {
        if (Keeps || calls == 0)
        {
            return;
        }

        _last = null;
        Count += calls;
    }

    public void Add(CriuCall call)
    {
        Settle();
        _last = call;
        Count++;
    }

    public void AddRange(IEnumerable<CriuCall> calls)
    {
        foreach (CriuCall call in calls)
        {
            Add(call);
        }
    }

    /// <summary>Settles the last call and gives the list (empty unless <see cref="Held"/>).</summary>
    public IReadOnlyList<CriuCall> Finish()
    {
        Settle();
        return _held ?? [];
    }

    /// <summary>The calls of a held log, the last one included.</summary>
    public IEnumerator<CriuCall> GetEnumerator()
    {
        if (_held is null)
        {
            throw new InvalidOperationException("only a held log can be walked");
        }

        return _held.Concat(_last is null ? [] : [_last]).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Settle()
    {
        if (_last is null)
        {
            return;
        }

        _held?.Add(_last);
        _receiver?.Invoke(_last);
        _last = null;
    }
}

/// <summary>
/// A restore sequence whose calls are not held: the replay runs once for the count, the end and the
/// differences; its calls are made again, by replaying, when they are written (<see cref="RestoreSequence.Replay"/>)
/// or walked (<see cref="RestoreSequence.Calls"/>, which then holds them for the walk only).
/// </summary>
internal static class ReplayedSequence
{
    public static RestoreSequence Run(CriuDump dump, DumpRestorePlan plan, CriuVersion criu, bool parallel)
    {
        RestoreSequence counted = RestoreReplay.Run(dump, plan, criu, parallel, CriuCallLog.Counted(), out int count);
        void Replay(Action<CriuCall> receiver)
        {
            RestoreReplay.Run(dump, plan, criu, parallel, CriuCallLog.Streamed(receiver), out int again);
            if (again != count)
            {
                throw new InvalidOperationException($"the replay made {again} calls, {count} the first time");
            }
        }

        return counted with { Calls = new ReplayedCalls(count, Replay), Replay = Replay };
    }

    /// <summary>The calls as a list made by replaying each time it is walked or indexed.</summary>
    private sealed class ReplayedCalls(int count, Action<Action<CriuCall>> replay) : IReadOnlyList<CriuCall>
    {
        public int Count => count;

        public CriuCall this[int index] => index >= 0 && index < count ? All()[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<CriuCall> GetEnumerator() => All().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private List<CriuCall> All()
        {
            var calls = new List<CriuCall>(count);
            replay(calls.Add);
            return calls;
        }
    }
}
