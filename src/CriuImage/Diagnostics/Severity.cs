namespace CriuImage.Diagnostics;

/// <summary>How much a finding matters, in decreasing order.</summary>
public enum Severity
{
    /// <summary>A restore would fail or recreate the wrong state; or the file is damaged.</summary>
    Error,

    /// <summary>Suspicious: allowed by some kernel or tool, or harmless but unusual.</summary>
    Warning,

    /// <summary>Information: something the analyzer could not check.</summary>
    Note,
}
