namespace CriuImage.Diagnostics;

/// <summary>
/// Where every rule family reports its findings: the image rules (<c>BoRules</c>, <c>VmRules</c>), the dump rules
/// (<c>DumpCrossRules</c>, <c>RenderNodeRules</c>), the host rules and the restore plan's refusals.
/// <see cref="DiagnosticBag"/> is the usual sink (it lists a bounded number per code and counts every one); a rule
/// never knows what its sink does with a finding.
/// </summary>
internal interface IDiagnosticSink
{
    /// <summary>Findings listed per code (0: all): a rule that runs other rules beneath it runs them with this limit.</summary>
    int Limit => 0;

    /// <summary>
    /// True while a finding of <paramref name="descriptor"/> would still be listed: a rule that finds many of one
    /// code builds the messages only while this holds, and past it only counts (<see cref="Count"/>).
    /// </summary>
    bool Lists(DiagnosticDescriptor descriptor) => true;

    /// <summary>Takes one finding.</summary>
    void Add(Diagnostic diagnostic);

    /// <summary>Counts <paramref name="count"/> findings of <paramref name="descriptor"/> that were not listed; a sink that lists every finding has none.</summary>
    void Count(DiagnosticDescriptor descriptor, long count)
    {
    }
}
