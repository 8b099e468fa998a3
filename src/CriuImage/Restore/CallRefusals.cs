using CriuImage.Diagnostics;

namespace CriuImage.Restore;

/// <summary>
/// The first refusal of each call of a records plan (<see cref="StreamedRestorePlan"/>), read from its survey without
/// making the calls: the replay asks a BO at a time, in call order, and builds a call only when its log keeps it. The
/// first refusal is the one <see cref="PlannedCall.Refusals"/> lists first: the rules' per record, else the overlaps.
/// </summary>
internal sealed class CallRefusals(PlanCallScan.Survey survey) : IDisposable
{
    private IEnumerator<OverlapRefusal>? _overlaps;
    private bool _overlapsLeft = survey.Overlaps is { Count: > 0 };
    private long _nextBo;

    /// <summary>The BOs of the plan.</summary>
    public long Bos => survey.BoCount;

    /// <summary>The index of the next BO's first call, its create or import; a BO's calls are that one, CHANGE_HANDLE, GEM_MMAP and a GEM_VA per mapping.</summary>
    public long NextBo(int mappings)
    {
        long first = _nextBo;
        _nextBo += PlanCallScan.BoCalls + mappings;
        return first;
    }

    /// <summary>The first refusal of call <paramref name="call"/>, or null; calls are asked in increasing order.</summary>
    public Diagnostic? First(long call)
    {
        if (survey.Refusals.Count > 0 && survey.Refusals.TryGetValue(call, out List<Diagnostic>? listed) && listed.Count > 0)
        {
            return listed[0];
        }

        if (!_overlapsLeft)
        {
            return null;
        }

        if (_overlaps is null)
        {
            _overlaps = survey.Overlaps!.Ordered().GetEnumerator();
            _overlapsLeft = _overlaps.MoveNext();
        }

        while (_overlapsLeft && _overlaps.Current.Call < call)
        {
            _overlapsLeft = _overlaps.MoveNext();
        }

        return _overlapsLeft && _overlaps.Current.Call == call ? _overlaps.Current.ToDiagnostic() : null;
    }

    public void Dispose() => _overlaps?.Dispose();
}
