using CriuImage.Format;

namespace CriuImage.Scanning;

/// <summary>Receives what <see cref="ImageScanner"/> finds, in file order.</summary>
internal interface IImageScanHandler
{
    /// <summary>The header was read; records follow.</summary>
    void OnHeader(Preamble preamble, ImageHeader header);

    /// <summary>A BO record at <paramref name="offset"/>.</summary>
    void OnBo(in BoRecord bo, long offset);

    /// <summary>VM record <paramref name="index"/> of the BO last passed to <see cref="OnBo"/>, at <paramref name="offset"/>.</summary>
    void OnVm(in VmRecord vm, uint index, long offset);

    /// <summary>Damage to the file; <paramref name="fatal"/> when nothing more can be read.</summary>
    void OnDamage(ImageDamage damage, long offset, uint? frame, string detail, bool fatal);

    /// <summary>The trailer was read (whether or not it agrees; disagreement is reported through <see cref="OnDamage"/>).</summary>
    void OnTrailer(Trailer trailer);
}
