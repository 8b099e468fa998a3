using CriuImage.Diagnostics;
using CriuImage.Scanning;

namespace CriuImage.Verification;

/// <summary>The code of each kind of file damage <see cref="ImageScanner"/> reports; the scanner knows no codes, so the map lives with the rules.</summary>
internal static class ImageDamageDescriptors
{
    /// <summary>The code of a kind of file damage.</summary>
    public static DiagnosticDescriptor For(ImageDamage damage) => damage switch
    {
        ImageDamage.NotAnImage => Descriptors.NotAnImage,
        ImageDamage.UnsupportedVersion => Descriptors.UnsupportedVersion,
        ImageDamage.IncompatibleFeatures => Descriptors.IncompatibleFeatures,
        ImageDamage.UnknownRoCompatFeatures => Descriptors.UnknownRoCompatFeatures,
        ImageDamage.PreambleChecksum => Descriptors.PreambleChecksum,
        ImageDamage.FrameHeader => Descriptors.FrameHeaderDamaged,
        ImageDamage.PayloadChecksum => Descriptors.PayloadChecksum,
        ImageDamage.FrameSequence => Descriptors.FrameSequence,
        ImageDamage.UnknownFrameKind => Descriptors.UnknownFrameKind,
        ImageDamage.HeaderUnreadable => Descriptors.HeaderUnreadable,
        ImageDamage.MalformedRecord => Descriptors.MalformedRecord,
        ImageDamage.RecordSequence => Descriptors.RecordSequence,
        ImageDamage.Truncated => Descriptors.Truncated,
        ImageDamage.TrailerMismatch => Descriptors.TrailerMismatch,
        ImageDamage.TrailingBytes => Descriptors.TrailingBytes,
        ImageDamage.WeakDigest => Descriptors.WeakDigest,
        _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, null),
    };
}
