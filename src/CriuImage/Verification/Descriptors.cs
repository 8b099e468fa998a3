using CriuImage.Scanning;

namespace CriuImage.Verification;

/// <summary>Every diagnostic code <c>verify</c> reports. Ids are stable: a retired one stays here as a comment.</summary>
public static class Descriptors
{
    // The file itself (CRI0xx).
    /// <summary>CRI001: Not a criu-image file.</summary>
    public static readonly DiagnosticDescriptor NotAnImage = new("CRI001", "NotAnImage", "Not a criu-image file", Severity.Error);
    /// <summary>CRI002: Unsupported format major version.</summary>
    public static readonly DiagnosticDescriptor UnsupportedVersion = new("CRI002", "UnsupportedVersion", "Unsupported format major version", Severity.Error);
    /// <summary>CRI003: Unknown incompatible feature bits.</summary>
    public static readonly DiagnosticDescriptor IncompatibleFeatures = new("CRI003", "IncompatibleFeatures", "Unknown incompatible feature bits", Severity.Error);
    /// <summary>CRI004: Unknown ro_compat feature bits.</summary>
    public static readonly DiagnosticDescriptor UnknownRoCompatFeatures = new("CRI004", "UnknownRoCompatFeatures", "Unknown ro_compat feature bits", Severity.Warning);
    /// <summary>CRI005: Preamble CRC32C mismatch.</summary>
    public static readonly DiagnosticDescriptor PreambleChecksum = new("CRI005", "PreambleChecksum", "Preamble CRC32C mismatch", Severity.Error);
    /// <summary>CRI006: Damaged frame header.</summary>
    public static readonly DiagnosticDescriptor FrameHeaderDamaged = new("CRI006", "FrameHeaderDamaged", "Damaged frame header", Severity.Error);
    /// <summary>CRI007: Frame payload CRC32C mismatch.</summary>
    public static readonly DiagnosticDescriptor PayloadChecksum = new("CRI007", "PayloadChecksum", "Frame payload CRC32C mismatch", Severity.Error);
    /// <summary>CRI008: Frames missing, repeated or out of order.</summary>
    public static readonly DiagnosticDescriptor FrameSequence = new("CRI008", "FrameSequence", "Frames missing, repeated or out of order", Severity.Error);
    /// <summary>CRI009: Unknown critical frame kind.</summary>
    public static readonly DiagnosticDescriptor UnknownFrameKind = new("CRI009", "UnknownFrameKind", "Unknown critical frame kind", Severity.Error);
    /// <summary>CRI010: The header frame cannot be read.</summary>
    public static readonly DiagnosticDescriptor HeaderUnreadable = new("CRI010", "HeaderUnreadable", "The header frame cannot be read", Severity.Error);
    /// <summary>CRI011: Malformed record.</summary>
    public static readonly DiagnosticDescriptor MalformedRecord = new("CRI011", "MalformedRecord", "Malformed record", Severity.Error);
    /// <summary>CRI012: VM records that belong to no BO, or missing ones.</summary>
    public static readonly DiagnosticDescriptor RecordSequence = new("CRI012", "RecordSequence", "VM records that belong to no BO, or missing ones", Severity.Error);
    /// <summary>CRI013: The image is truncated.</summary>
    public static readonly DiagnosticDescriptor Truncated = new("CRI013", "Truncated", "The image is truncated", Severity.Error);
    /// <summary>CRI014: The trailer disagrees with the frames.</summary>
    public static readonly DiagnosticDescriptor TrailerMismatch = new("CRI014", "TrailerMismatch", "The trailer disagrees with the frames", Severity.Error);
    /// <summary>CRI015: Bytes after the trailer.</summary>
    public static readonly DiagnosticDescriptor TrailingBytes = new("CRI015", "TrailingBytes", "Bytes after the trailer", Severity.Error);
    /// <summary>CRI016: A format 1.0 image, whose digest cannot detect frames removed, repeated, reordered or replaced.</summary>
    public static readonly DiagnosticDescriptor WeakDigest = new("CRI016", "WeakDigest", "A format 1.0 image, whose digest cannot detect frames removed, repeated, reordered or replaced", Severity.Note);

    // BO buckets (CRI1xx).
    /// <summary>CRI101: BO of size zero.</summary>
    public static readonly DiagnosticDescriptor BoSizeZero = new("CRI101", "BoSizeZero", "BO of size zero", Severity.Error);
    /// <summary>CRI102: BO size not a multiple of the GPU page size.</summary>
    public static readonly DiagnosticDescriptor BoSizeNotPageMultiple = new("CRI102", "BoSizeNotPageMultiple", "BO size not a multiple of the GPU page size", Severity.Error);
    /// <summary>CRI103: mmap offset not page aligned.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetMisaligned = new("CRI103", "MmapOffsetMisaligned", "mmap offset not page aligned", Severity.Error);
    /// <summary>CRI104: mmap offset ranges of two BOs collide.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetCollision = new("CRI104", "MmapOffsetCollision", "mmap offset ranges of two BOs collide", Severity.Error);
    /// <summary>CRI105: Duplicate GEM handle.</summary>
    public static readonly DiagnosticDescriptor DuplicateGemHandle = new("CRI105", "DuplicateGemHandle", "Duplicate GEM handle", Severity.Error);
    /// <summary>CRI106: alloc_flags bits outside the uapi set.</summary>
    public static readonly DiagnosticDescriptor UnknownAllocFlags = new("CRI106", "UnknownAllocFlags", "alloc_flags bits outside the uapi set", Severity.Warning);
    /// <summary>CRI107: alloc_flags bits this revision's kernel never reports.</summary>
    public static readonly DiagnosticDescriptor AllocFlagsNeverReported = new("CRI107", "AllocFlagsNeverReported", "alloc_flags bits this revision's kernel never reports", Severity.Error);
    /// <summary>CRI108: CPU_ACCESS_REQUIRED together with NO_CPU_ACCESS.</summary>
    public static readonly DiagnosticDescriptor ContradictoryCpuAccess = new("CRI108", "ContradictoryCpuAccess", "CPU_ACCESS_REQUIRED together with NO_CPU_ACCESS", Severity.Warning);
    /// <summary>CRI109: preferred_domains bits outside the uapi set.</summary>
    public static readonly DiagnosticDescriptor UnknownDomains = new("CRI109", "UnknownDomains", "preferred_domains bits outside the uapi set", Severity.Warning);
    /// <summary>CRI110: A special domain combined with others.</summary>
    public static readonly DiagnosticDescriptor SpecialDomainNotAlone = new("CRI110", "SpecialDomainNotAlone", "A special domain combined with others", Severity.Error);
    /// <summary>CRI111: BO flags bits other than IS_IMPORT.</summary>
    public static readonly DiagnosticDescriptor UnknownBoFlags = new("CRI111", "UnknownBoFlags", "BO flags bits other than IS_IMPORT", Severity.Warning);
    /// <summary>CRI112: mmap offset below the DRM fake-offset start.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetBelowStart = new("CRI112", "MmapOffsetBelowStart", "mmap offset below the DRM fake-offset start", Severity.Warning);

    // VM buckets (CRI2xx).
    /// <summary>CRI201: Mapping start after its last page.</summary>
    public static readonly DiagnosticDescriptor StartAfterLast = new("CRI201", "StartAfterLast", "Mapping start after its last page", Severity.Error);
    /// <summary>CRI202: Mapping of size zero.</summary>
    public static readonly DiagnosticDescriptor MappingSizeZero = new("CRI202", "MappingSizeZero", "Mapping of size zero", Severity.Error);
    /// <summary>CRI203: Mapping address, size or offset not page aligned.</summary>
    public static readonly DiagnosticDescriptor MappingMisaligned = new("CRI203", "MappingMisaligned", "Mapping address, size or offset not page aligned", Severity.Error);
    /// <summary>CRI204: Mapping runs past the end of its BO.</summary>
    public static readonly DiagnosticDescriptor MappingPastBoEnd = new("CRI204", "MappingPastBoEnd", "Mapping runs past the end of its BO", Severity.Error);
    /// <summary>CRI205: Two mappings of one VM share a page.</summary>
    public static readonly DiagnosticDescriptor MappingOverlap = new("CRI205", "MappingOverlap", "Two mappings of one VM share a page", Severity.Error);
    /// <summary>CRI206: Mapping below the reserved bottom of the VM (64 KiB).</summary>
    public static readonly DiagnosticDescriptor BelowReservedBottom = new("CRI206", "BelowReservedBottom", "Mapping below the reserved bottom of the VM (64 KiB)", Severity.Error);
    /// <summary>CRI207: Mapping below 2 MiB, which older kernels reserve.</summary>
    public static readonly DiagnosticDescriptor BelowLegacyReserve = new("CRI207", "BelowLegacyReserve", "Mapping below 2 MiB, which older kernels reserve", Severity.Warning);
    /// <summary>CRI208: Mapping past the last page of the VM, or beyond 64 bits.</summary>
    public static readonly DiagnosticDescriptor PastVmEnd = new("CRI208", "PastVmEnd", "Mapping past the last page of the VM, or beyond 64 bits", Severity.Error);
    /// <summary>CRI209: Mapping flags GEM_VA does not accept.</summary>
    public static readonly DiagnosticDescriptor FlagsNotAccepted = new("CRI209", "FlagsNotAccepted", "Mapping flags GEM_VA does not accept", Severity.Error);
    /// <summary>CRI210: PRT flag on a mapping of a BO.</summary>
    public static readonly DiagnosticDescriptor PrtOnBoMapping = new("CRI210", "PrtOnBoMapping", "PRT flag on a mapping of a BO", Severity.Error);
    /// <summary>CRI211: MTYPE value 6..15.</summary>
    public static readonly DiagnosticDescriptor UndefinedMtype = new("CRI211", "UndefinedMtype", "MTYPE value 6..15", Severity.Error);
    /// <summary>CRI212: Mapping without read, write or execute.</summary>
    public static readonly DiagnosticDescriptor NoAccessBits = new("CRI212", "NoAccessBits", "Mapping without read, write or execute", Severity.Warning);
    /// <summary>CRI213: criu-2025-06 flags outside what its kernel converts.</summary>
    public static readonly DiagnosticDescriptor FlagsOutsideCriu2025 = new("CRI213", "FlagsOutsideCriu2025", "criu-2025-06 flags outside what its kernel converts", Severity.Error);
    /// <summary>CRI214: PTE flag bits the GC IP version does not define.</summary>
    public static readonly DiagnosticDescriptor UndefinedPteBits = new("CRI214", "UndefinedPteBits", "PTE flag bits the GC IP version does not define", Severity.Warning);
    /// <summary>CRI215: PTE flags not checked: the GC IP version is unknown.</summary>
    public static readonly DiagnosticDescriptor PteUnchecked = new("CRI215", "PteUnchecked", "PTE flags not checked: the GC IP version is unknown", Severity.Note);

    /// <summary>All codes, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(Descriptors)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The code of a kind of file damage.</summary>
    public static DiagnosticDescriptor For(ImageDamage damage) => damage switch
    {
        ImageDamage.NotAnImage => NotAnImage,
        ImageDamage.UnsupportedVersion => UnsupportedVersion,
        ImageDamage.IncompatibleFeatures => IncompatibleFeatures,
        ImageDamage.UnknownRoCompatFeatures => UnknownRoCompatFeatures,
        ImageDamage.PreambleChecksum => PreambleChecksum,
        ImageDamage.FrameHeader => FrameHeaderDamaged,
        ImageDamage.PayloadChecksum => PayloadChecksum,
        ImageDamage.FrameSequence => FrameSequence,
        ImageDamage.UnknownFrameKind => UnknownFrameKind,
        ImageDamage.HeaderUnreadable => HeaderUnreadable,
        ImageDamage.MalformedRecord => MalformedRecord,
        ImageDamage.RecordSequence => RecordSequence,
        ImageDamage.Truncated => Truncated,
        ImageDamage.TrailerMismatch => TrailerMismatch,
        ImageDamage.TrailingBytes => TrailingBytes,
        ImageDamage.WeakDigest => WeakDigest,
        _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, null),
    };
}
