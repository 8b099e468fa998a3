using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// Whether a call is among those the rules per record refused (<see cref="PlanCallScan.Survey.RefusedCalls"/>), asked
/// in increasing call order: the calls are read back sorted, from disk past their budget, and passed once.
/// </summary>
internal sealed class RefusedCallCursor(SpillBuffer<RefusedCall> calls) : IDisposable
{
    private readonly IEnumerator<RefusedCall> _calls = calls.Ordered().GetEnumerator();
    private bool _started;
    private bool _left;

    /// <summary>The number of different calls in <paramref name="calls"/>.</summary>
    public static long Distinct(SpillBuffer<RefusedCall> calls)
    {
        long distinct = 0;
        long last = -1;
        foreach (RefusedCall call in calls.Ordered())
        {
            distinct += call.Call != last ? 1 : 0;
            last = call.Call;
        }

        return distinct;
    }

    /// <summary>True when <paramref name="call"/> was refused; each call asked is at least the one before.</summary>
    public bool Has(long call)
    {
        if (!_started)
        {
            _started = true;
            _left = _calls.MoveNext();
        }

        while (_left && _calls.Current.Call < call)
        {
            _left = _calls.MoveNext();
        }

        return _left && _calls.Current.Call == call;
    }

    public void Dispose() => _calls.Dispose();
}
