namespace CriuImage.Diagnostics;

/// <summary>True totals of findings, listed or not.</summary>
/// <param name="Errors">Findings of error severity.</param>
/// <param name="Warnings">Findings of warning severity.</param>
/// <param name="Notes">Findings of note severity.</param>
/// <param name="Listed">Findings listed one by one (the rest are counted in <see cref="DiagnosticBag.NotListed"/>).</param>
public readonly record struct FindingSummary(long Errors, long Warnings, long Notes, long Listed)
{
    /// <summary>All findings, listed or not.</summary>
    public long Total => Errors + Warnings + Notes;

    /// <summary>Findings at <paramref name="threshold"/> or more severe.</summary>
    public long AtLeast(Severity threshold) =>
        Errors + (threshold >= Severity.Warning ? Warnings : 0) + (threshold >= Severity.Note ? Notes : 0);

    /// <summary>The sum of two summaries.</summary>
    public static FindingSummary operator +(FindingSummary a, FindingSummary b) =>
        new(a.Errors + b.Errors, a.Warnings + b.Warnings, a.Notes + b.Notes, a.Listed + b.Listed);

    /// <summary>The summary of findings that are all listed.</summary>
    public static FindingSummary Of(IEnumerable<Diagnostic> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var summary = default(FindingSummary);
        foreach (Diagnostic d in listed)
        {
            summary += Count(d.Severity, 1, 1);
        }

        return summary;
    }

    internal static FindingSummary Count(Severity severity, long count, long listed) => severity switch
    {
        Severity.Error => new(count, 0, 0, listed),
        Severity.Warning => new(0, count, 0, listed),
        _ => new(0, 0, count, listed),
    };
}

/// <summary>Findings of one code counted but not listed, past the listing limit.</summary>
/// <param name="Descriptor">The code.</param>
/// <param name="NotListed">How many were not listed.</param>
/// <param name="Total">How many there are in all.</param>
public sealed record UnlistedFindings(DiagnosticDescriptor Descriptor, long NotListed, long Total);
