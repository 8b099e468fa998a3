using CriuImage.Restore;

namespace CriuImage.Verification;

/// <summary>How <see cref="ImageVerifier"/> and <see cref="Verifier"/> check and report an image.</summary>
public sealed record VerifyOptions
{
    /// <summary>The defaults: each image's own target generation, <see cref="ImageVerifier.CapPerCode"/> findings listed per code.</summary>
    public static VerifyOptions Default { get; } = new();

    /// <summary>The kernel the image is to be restored on; null: the generation that produced the image's revision.</summary>
    public KernelProfile? Target { get; init; }

    /// <summary>Findings listed per code and file (0: all); the rest are counted in <see cref="FileReport.Summary"/>.</summary>
    public int MaxFindingsPerCode { get; init; } = ImageVerifier.CapPerCode;
}
