using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>How a restore along CRIU's amdgpu plugin ends (docs/restore-calls.md, "End").</summary>
public enum RestoreEndKind
{
    /// <summary>Every call returns what CRIU expects and the contents are written.</summary>
    Restored,

    /// <summary>A call or check fails and CRIU stops the restore with an error.</summary>
    Fails,

    /// <summary>CRIU reads past an array or through a NULL pointer.</summary>
    Crashes,

    /// <summary>A file asks for a retry on every pass: CRIU waits for ever.</summary>
    NeverEnds,

    /// <summary>The restore reports success, but the GPU state is not what was saved.</summary>
    Differs,

    /// <summary>The process tree exists; the resume hook fails.</summary>
    FailsLate,

    /// <summary>
    /// Thread timing decides: the restore fails where <see cref="RestoreEnding.File"/> says, or it restores
    /// (the calls listed are those of the run that restores).
    /// </summary>
    FailsOrRestores,

    /// <summary>
    /// The files given are not a whole dump (a file given alone, a file not read) and a file waits for an export no
    /// file given makes: whether another file of the dump makes it, and so how the restore ends, is not known.
    /// </summary>
    Unknown,
}

/// <summary>The names the plan gives the endings.</summary>
public static class RestoreEndNames
{
    /// <summary><c>restored</c>, <c>fails</c>, <c>crashes</c>, <c>never-ends</c>, <c>differs</c>, <c>fails-late</c>, <c>fails-or-restores</c>, <c>unknown</c>.</summary>
    public static string Name(this RestoreEndKind kind) => kind switch
    {
        RestoreEndKind.Restored => "restored",
        RestoreEndKind.Fails => "fails",
        RestoreEndKind.Crashes => "crashes",
        RestoreEndKind.NeverEnds => "never-ends",
        RestoreEndKind.Differs => "differs",
        RestoreEndKind.FailsOrRestores => "fails-or-restores",
        RestoreEndKind.Unknown => "unknown",
        _ => "fails-late",
    };
}

/// <summary>One argument of a call: a number, or a name (a contents file).</summary>
/// <param name="Name">The uapi field name, or <c>bo</c>, <c>pages</c>, ... (docs/restore-calls.md).</param>
/// <param name="Number">The value when it is a number.</param>
/// <param name="Text">The value when it is a name.</param>
public sealed record SequenceArgument(string Name, ulong? Number, string? Text = null);

/// <summary>One call CRIU makes, as docs/restore-calls.md shapes it.</summary>
/// <param name="Call">The ioctl macro name, or <c>CONTENTS</c>.</param>
/// <param name="Request">The request number; null for <c>CONTENTS</c>.</param>
/// <param name="File">The CRIU file whose restore makes the call, or <c>resume</c>.</param>
/// <param name="Pass">The pass over the files, from 1; 0 for the resume hook.</param>
/// <param name="Args">The arguments that come from the dump.</param>
/// <param name="Ret">What the target kernel returns: 0 or a negative errno; null when it is not known.</param>
public sealed record CriuCall(string Call, uint? Request, string File, int Pass, IReadOnlyList<SequenceArgument> Args, int? Ret);

/// <summary>How and where a restore ends, or one silent difference of a restore that goes on.</summary>
/// <param name="How">The kind of ending.</param>
/// <param name="Code">The criu-image code of the ending (docs/diagnostics.md); null for <see cref="RestoreEndKind.Restored"/>.</param>
/// <param name="Cause">The CRIU source line that makes it so (<c>path:line@commit</c>).</param>
/// <param name="Message">What happens, in words.</param>
public sealed record RestoreEnding(RestoreEndKind How, DiagnosticDescriptor? Code, string Cause, string Message)
{
    /// <summary>The index in <see cref="RestoreSequence.Calls"/> of the call the restore ends at, where there is one.</summary>
    public int? At { get; init; }

    /// <summary>The failing call's errno (negative), where there is one.</summary>
    public int? Errno { get; init; }

    /// <summary>The CRIU file being restored when it happens, or <c>resume</c>.</summary>
    public string? File { get; init; }
}

/// <summary>Every call CRIU makes to restore a dump, in order, and how the restore ends.</summary>
/// <param name="Criu">The CRIU that restores.</param>
/// <param name="Contents"><c>serial</c> or <c>parallel</c>: how the KFD contents are restored.</param>
/// <param name="Calls">The calls, in CRIU's order (docs/restore-calls.md, "Order").</param>
/// <param name="End">How the restore ends: the first failure, else the first difference, else restored.</param>
/// <param name="Differences">Every silent difference met on the way (those of a restore that ends <see cref="RestoreEndKind.Differs"/>, or before its failure).</param>
public sealed record RestoreSequence(CriuVersion Criu, string Contents, IReadOnlyList<CriuCall> Calls, RestoreEnding End, IReadOnlyList<RestoreEnding> Differences)
{
    /// <summary>
    /// Makes the calls again, in order, handing each to the receiver as it is made: a report writes them as they
    /// come instead of walking <see cref="Calls"/>; null when <see cref="Calls"/> holds them.
    /// </summary>
    internal Action<Action<CriuCall>>? Replay { get; init; }

    /// <summary>What says which contents path CRIU takes (<see cref="KfdContentsPath.Why"/>), or why it is unknown; empty when nothing is said.</summary>
    public string ContentsWhy { get; init; } = "";

    /// <summary>The order CRIU restores the dump's files in and what says so (<see cref="RestoreFileOrder.Why"/>), where the order decides an ending (an import, a dma-buf file); empty otherwise.</summary>
    public string OrderWhy { get; init; } = "";

    /// <summary>What the other orders the tasks can restore their files in give (<see cref="TaskOrders.Why"/>); empty when none was replayed.</summary>
    internal string TaskOrdersWhy { get; init; } = "";

    /// <summary>Why this CRIU restores: <c>--criu</c>, or what says it wrote the dump (<see cref="CriuWriter.Of"/>).</summary>
    public string CriuWhy { get; init; } = "";

    /// <summary>The render-node BOs (file name, saved handle) whose calls CRIU began to make; null for a CRIU that restores no render-node BO, or when it began every one (<see cref="BosNotMade"/> all 0).</summary>
    internal BosBegun? BosMade { get; init; }

    /// <summary>Per render node (file name), how many of its BOs CRIU never began: the restore ended first; null with <see cref="BosMade"/>.</summary>
    internal IReadOnlyDictionary<string, int>? BosNotMade { get; init; }

    /// <summary>The files (names) whose restore ended without an error, in the order they ended.</summary>
    internal IReadOnlyList<string> FilesDone { get; init; } = [];

    /// <summary>The render nodes (file names) with BOs of which CRIU began none: the restore never reached them; null with <see cref="BosNotMade"/>.</summary>
    internal IReadOnlySet<string>? RenderNodesNotReached { get; init; }

    /// <summary>Every ending of this restore: the differences, then the end when it is a failure.</summary>
    public IEnumerable<RestoreEnding> Endings => End.How is RestoreEndKind.Restored or RestoreEndKind.Differs or RestoreEndKind.Unknown ? Differences : [.. Differences, End];
}
