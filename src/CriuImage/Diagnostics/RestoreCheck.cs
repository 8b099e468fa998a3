namespace CriuImage.Diagnostics;

/// <summary>What the kernel does with a call that breaks a rule of the restore family: the errno, or "differs".</summary>
/// <param name="Outcome"><c>-EINVAL</c>, <c>-EPERM</c>, ...; <c>differs</c> when the call succeeds but maps something other than what was saved.</param>
/// <param name="Kernel">The kernel function and check that decides it; docs/diagnostics.md cites the same functions.</param>
public sealed record RestoreCheck(string Outcome, string Kernel);
