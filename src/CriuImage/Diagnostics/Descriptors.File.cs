namespace CriuImage.Diagnostics;

public static partial class Descriptors
{
    // The file itself (CRI0xx).
    /// <summary>CRI001: Not a criu-image file.</summary>
    public static readonly DiagnosticDescriptor NotAnImage = new("CRI001", "NotAnImage", "Not a criu-image file", Severity.Error) { Source = "FORMAT.md section 2" };
    /// <summary>CRI002: Unsupported format major version.</summary>
    public static readonly DiagnosticDescriptor UnsupportedVersion = new("CRI002", "UnsupportedVersion", "Unsupported format major version", Severity.Error) { Source = "FORMAT.md section 2" };
    /// <summary>CRI003: Unknown incompatible feature bits.</summary>
    public static readonly DiagnosticDescriptor IncompatibleFeatures = new("CRI003", "IncompatibleFeatures", "Unknown incompatible feature bits", Severity.Error) { Source = "FORMAT.md section 2" };
    /// <summary>CRI004: Unknown ro_compat feature bits.</summary>
    public static readonly DiagnosticDescriptor UnknownRoCompatFeatures = new("CRI004", "UnknownRoCompatFeatures", "Unknown ro_compat feature bits", Severity.Warning) { Source = "FORMAT.md section 2" };
    /// <summary>CRI005: Preamble CRC32C mismatch.</summary>
    public static readonly DiagnosticDescriptor PreambleChecksum = new("CRI005", "PreambleChecksum", "Preamble CRC32C mismatch", Severity.Error) { Source = "FORMAT.md section 2" };
    /// <summary>CRI006: Damaged frame header.</summary>
    public static readonly DiagnosticDescriptor FrameHeaderDamaged = new("CRI006", "FrameHeaderDamaged", "Damaged frame header", Severity.Error) { Source = "FORMAT.md section 3" };
    /// <summary>CRI007: Frame payload CRC32C mismatch.</summary>
    public static readonly DiagnosticDescriptor PayloadChecksum = new("CRI007", "PayloadChecksum", "Frame payload CRC32C mismatch", Severity.Error) { Source = "FORMAT.md section 3" };
    /// <summary>CRI008: Frames missing, repeated or out of order.</summary>
    public static readonly DiagnosticDescriptor FrameSequence = new("CRI008", "FrameSequence", "Frames missing, repeated or out of order", Severity.Error) { Source = "FORMAT.md section 3" };
    /// <summary>CRI009: Unknown critical frame kind.</summary>
    public static readonly DiagnosticDescriptor UnknownFrameKind = new("CRI009", "UnknownFrameKind", "Unknown critical frame kind", Severity.Error) { Source = "FORMAT.md section 3" };
    /// <summary>CRI010: The header frame cannot be read.</summary>
    public static readonly DiagnosticDescriptor HeaderUnreadable = new("CRI010", "HeaderUnreadable", "The header frame cannot be read", Severity.Error) { Source = "FORMAT.md section 4" };
    /// <summary>CRI011: Malformed record.</summary>
    public static readonly DiagnosticDescriptor MalformedRecord = new("CRI011", "MalformedRecord", "Malformed record", Severity.Error) { Source = "FORMAT.md section 5" };
    /// <summary>CRI012: VM records that belong to no BO, or missing ones.</summary>
    public static readonly DiagnosticDescriptor RecordSequence = new("CRI012", "RecordSequence", "VM records that belong to no BO, or missing ones", Severity.Error) { Source = "FORMAT.md section 5.3" };
    /// <summary>CRI013: The image is truncated.</summary>
    public static readonly DiagnosticDescriptor Truncated = new("CRI013", "Truncated", "The image is truncated", Severity.Error) { Source = "FORMAT.md section 1" };
    /// <summary>CRI014: The trailer disagrees with the frames.</summary>
    public static readonly DiagnosticDescriptor TrailerMismatch = new("CRI014", "TrailerMismatch", "The trailer disagrees with the frames", Severity.Error) { Source = "FORMAT.md section 6" };
    /// <summary>CRI015: Bytes after the trailer.</summary>
    public static readonly DiagnosticDescriptor TrailingBytes = new("CRI015", "TrailingBytes", "Bytes after the trailer", Severity.Error) { Source = "FORMAT.md section 1" };
    /// <summary>CRI016: A format 1.0 image, whose digest cannot detect frames removed, repeated, reordered or replaced.</summary>
    public static readonly DiagnosticDescriptor WeakDigest = new("CRI016", "WeakDigest", "A format 1.0 image, whose digest cannot detect frames removed, repeated, reordered or replaced", Severity.Note) { Source = "FORMAT.md section 6" };
}
