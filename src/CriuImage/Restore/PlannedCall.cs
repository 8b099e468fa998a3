using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>One argument of a planned call, as the plan shows it.</summary>
/// <param name="Name">The field of the ioctl's argument struct (<c>va_address</c>).</param>
/// <param name="Value">Its value: a number, or what the restorer passes.</param>
public readonly record struct CallArgument(string Name, ulong Value);

/// <summary>One ioctl of CRIU's restore path, with the saved values it is given and what the target kernel does with them.</summary>
public sealed record PlannedCall
{
    /// <summary>Which call.</summary>
    public required RestoreCall Call { get; init; }

    /// <summary>The ioctl request number (<see cref="Abi.IoctlRequests"/>).</summary>
    public required uint Request { get; init; }

    /// <summary>The saved GEM handle of the BO the call is for.</summary>
    public required uint GemHandle { get; init; }

    /// <summary>For GEM_VA: the 0-based index of the mapping within its BO.</summary>
    public uint? Mapping { get; init; }

    /// <summary>The arguments CRIU passes: the saved values, unchanged.</summary>
    public required IReadOnlyList<CallArgument> Arguments { get; init; }

    /// <summary>Arguments a restorer should pass instead, where it can repair what the kernel would refuse or misread; empty when nothing needs repair.</summary>
    public IReadOnlyList<CallArgument> Repaired { get; init; } = [];

    /// <summary>The errors of the restore family this call breaks (the same findings verify reports); empty when the target kernel accepts it as saved.</summary>
    public IReadOnlyList<Diagnostic> Refusals { get; init; } = [];

    /// <summary>True when the target kernel refuses the call, or it would bring back something other than what was saved.</summary>
    public bool Refused => Refusals.Count > 0;
}
