using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// The exact calls a restorer following CRIU's amdgpu plugin makes for an image: per BO GEM_CREATE (or the
/// import from its exporter's dma-buf), CHANGE_HANDLE to the saved handle, GEM_MMAP, then GEM_VA MAP per
/// mapping, each marked with the errors the target kernel would refuse it for. The refusals are the findings
/// of the restore family that <see cref="ImageVerifier"/> reports: both come from the same rules.
/// </summary>
public sealed record RestorePlan
{
    /// <summary>The image as the caller named it.</summary>
    public required string Path { get; init; }

    /// <summary>The kernel interface revision that produced the image.</summary>
    public required AbiRevision Revision { get; init; }

    /// <summary>The kernel the plan restores on.</summary>
    public required KernelProfile Target { get; init; }

    /// <summary>The calls, in the order CRIU makes them.</summary>
    public required IReadOnlyList<PlannedCall> Calls { get; init; }

    /// <summary>The calls with a refusal, known without walking <see cref="Calls"/> when those are made again at each walk; else null.</summary>
    internal long? KnownRefusedCalls { get; init; }

    /// <summary>The calls with a refusal.</summary>
    internal long RefusedCalls => KnownRefusedCalls ?? Calls.Count(c => c.Refused);

    /// <summary>With <see cref="KnownRefusedCalls"/>: the index of the call that stops the restore, known without walking <see cref="Calls"/>.</summary>
    internal long? KnownStop { get; init; }

    /// <summary>The plan of records whose calls <see cref="Calls"/> makes again at each walk, where it is one: the replay reads its refusals without making the calls.</summary>
    internal StreamedRestorePlan? Records { get; init; }

    /// <summary>The index of the call whose refusal stops CRIU's restore (<see cref="PlanStop"/>): the calls after it are not made; null when none does.</summary>
    internal long? Stop => KnownRefusedCalls is null ? PlanStop.Of(Calls) : KnownStop;

    /// <summary>Plans the restore of the image at <paramref name="path"/> on <paramref name="target"/> (null: the generation that produced the image's revision).</summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static RestorePlan Create(string path, string displayPath, KernelProfile? target = null) =>
        StreamedRestorePlan.Create(path, displayPath, target).ToPlan();

    /// <summary>Plans the restore of an image held in memory on <paramref name="target"/> (null: the generation that produced the image's revision).</summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    public static RestorePlan Create(ReadOnlyMemory<byte> image, string displayPath, KernelProfile? target = null) =>
        StreamedRestorePlan.Create(image, displayPath, target).ToPlan();
}
