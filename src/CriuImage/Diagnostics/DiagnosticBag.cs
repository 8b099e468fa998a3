namespace CriuImage.Diagnostics;

/// <summary>
/// Collects one file's findings, listing at most a given number per code (so that an image whose million
/// mappings all break a rule yields a readable report) and counting every one, listed or not.
/// </summary>
internal sealed class DiagnosticBag : IDiagnosticSink
{
    private readonly long _maxPerCode;
    private readonly int _limit;
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly Dictionary<string, (DiagnosticDescriptor Descriptor, long Count)> _counts = new(StringComparer.Ordinal);

    private readonly Action<Diagnostic>? _listed;
    private long _listedCount;

    /// <param name="maxPerCode">Findings listed per code; 0 lists them all.</param>
    /// <param name="listed">When given, listed findings go to it as they come instead of into <see cref="Listed"/>.</param>
    public DiagnosticBag(int maxPerCode, Action<Diagnostic>? listed = null)
    {
        _listed = listed;
        ArgumentOutOfRangeException.ThrowIfNegative(maxPerCode);
        _limit = maxPerCode;
        _maxPerCode = maxPerCode == 0 ? long.MaxValue : maxPerCode;
    }

    /// <summary>Findings listed per code, as given (0: all).</summary>
    public int Limit => _limit;

    /// <summary>True when another finding of <paramref name="descriptor"/> would still be listed.</summary>
    public bool Lists(DiagnosticDescriptor descriptor) =>
        !_counts.TryGetValue(descriptor.Id, out var entry) || entry.Count < _maxPerCode;

    /// <summary>Lists <paramref name="diagnostic"/> while its code has room, and counts it.</summary>
    public void Add(Diagnostic diagnostic)
    {
        long count = Bump(diagnostic.Descriptor, 1);
        if (count > _maxPerCode)
        {
            return;
        }

        _listedCount++;
        if (_listed is { } listed)
        {
            listed(diagnostic);
        }
        else
        {
            _diagnostics.Add(diagnostic);
        }
    }

    /// <summary>Counts <paramref name="count"/> findings without building them (past the limit, the messages are not worth making).</summary>
    public void Count(DiagnosticDescriptor descriptor, long count = 1) => Bump(descriptor, count);

    /// <summary>The listed findings.</summary>
    public List<Diagnostic> Listed => _diagnostics;

    /// <summary>True totals per severity.</summary>
    public FindingSummary Summary()
    {
        var summary = new FindingSummary(0, 0, 0, _listedCount);
        foreach ((DiagnosticDescriptor descriptor, long count) in _counts.Values)
        {
            summary += FindingSummary.Count(descriptor.Severity, count, 0);
        }

        return summary;
    }

    /// <summary>The codes with findings past the limit, by code.</summary>
    public List<UnlistedFindings> NotListed() =>
        [.. _counts.Values
            .Where(v => v.Count > _maxPerCode)
            .OrderBy(v => v.Descriptor.Id, StringComparer.Ordinal)
            .Select(v => new UnlistedFindings(v.Descriptor, v.Count - _maxPerCode, v.Count))];

    private long Bump(DiagnosticDescriptor descriptor, long count)
    {
        long total = (_counts.TryGetValue(descriptor.Id, out var entry) ? entry.Count : 0) + count;
        _counts[descriptor.Id] = (descriptor, total);
        return total;
    }
}
