namespace CriuImage.Diagnostics;

/// <summary>One diagnostic code: its stable id, a title, its default severity (docs/diagnostics.md has one section per id).</summary>
/// <param name="Id">Stable id (<c>CRI205</c>); never reused for another meaning.</param>
/// <param name="Name">PascalCase name of the rule, as SARIF wants.</param>
/// <param name="Title">One-line description.</param>
/// <param name="Severity">Severity of its findings.</param>
public sealed record DiagnosticDescriptor(string Id, string Name, string Title, Severity Severity)
{
    /// <summary>
    /// The kernel, CRIU or FORMAT.md code the rule mirrors (<c>amdgpu_gem_va_ioctl</c>, <c>topology.c:1391-1404</c>,
    /// <c>FORMAT.md section 3</c>), as the code's section of docs/diagnostics.md names it.
    /// </summary>
    public string? Source { get; init; }

    /// <summary>For a code of the restore family: the kernel check that refuses the call, and how; null for other codes.</summary>
    public RestoreCheck? Check { get; init; }
}
