namespace CriuImage.Verification;

/// <summary>
/// Collects one file's findings with a cap per code, so that an image whose million mappings all break a
/// rule yields a readable report: the first findings of each code, then one line saying how many more.
/// </summary>
internal sealed class DiagnosticBag(int capPerCode)
{
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly Dictionary<string, (DiagnosticDescriptor Descriptor, long Count)> _counts = new(StringComparer.Ordinal);

    /// <summary>True when another finding of <paramref name="descriptor"/> would still be listed.</summary>
    public bool HasRoom(DiagnosticDescriptor descriptor) =>
        !_counts.TryGetValue(descriptor.Id, out var entry) || entry.Count < capPerCode;

    public void Add(Diagnostic diagnostic)
    {
        string id = diagnostic.Descriptor.Id;
        long count = _counts.TryGetValue(id, out var entry) ? entry.Count : 0;
        _counts[id] = (diagnostic.Descriptor, count + 1);
        if (count < capPerCode)
        {
            _diagnostics.Add(diagnostic);
        }
    }

    /// <summary>Counts a finding without building it (past the cap, the message is not worth making).</summary>
    public void Count(DiagnosticDescriptor descriptor)
    {
        long count = _counts.TryGetValue(descriptor.Id, out var entry) ? entry.Count : 0;
        _counts[descriptor.Id] = (descriptor, count + 1);
    }

    /// <summary>The listed findings, then one summary per capped code.</summary>
    public List<Diagnostic> ToList()
    {
        var all = new List<Diagnostic>(_diagnostics);
        foreach ((DiagnosticDescriptor descriptor, long count) in _counts.Values.OrderBy(v => v.Descriptor.Id, StringComparer.Ordinal))
        {
            if (count > capPerCode)
            {
                all.Add(new Diagnostic(descriptor, $"{count - capPerCode} more {descriptor.Id} findings are not listed ({count} in all)"));
            }
        }

        return all;
    }
}
