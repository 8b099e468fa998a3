namespace CriuImage.Scanning;

/// <summary>What is wrong with the file itself, as <see cref="ImageScanner"/> reports it.</summary>
internal enum ImageDamage
{
    /// <summary>The magic is missing: not a criu-image file at all. Fatal.</summary>
    NotAnImage,

    /// <summary>A format major version this reader does not implement. Fatal.</summary>
    UnsupportedVersion,

    /// <summary>Incompatible feature bits this reader does not implement. Fatal.</summary>
    IncompatibleFeatures,

    /// <summary>ro_compat feature bits this reader does not know: readable, but not re-creatable.</summary>
    UnknownRoCompatFeatures,

    /// <summary>The preamble's CRC does not match its bytes.</summary>
    PreambleChecksum,

    /// <summary>A frame header is damaged (marker, CRC, flags, length limit); the scanner resynchronises on the next valid frame.</summary>
    FrameHeader,

    /// <summary>A frame's payload does not match its CRC; the frame is skipped.</summary>
    PayloadChecksum,

    /// <summary>Frame sequence numbers skip or repeat: frames are missing, repeated or out of order.</summary>
    FrameSequence,

    /// <summary>A frame kind that is neither known nor ancillary; the frame is skipped.</summary>
    UnknownFrameKind,

    /// <summary>The header frame cannot be read, so no record can be interpreted. Fatal.</summary>
    HeaderUnreadable,

    /// <summary>A record is not valid MessagePack of its shape; the rest of its frame is skipped.</summary>
    MalformedRecord,

    /// <summary>Records out of order: a VM record with no BO owing it, a BO record while mappings are owed, or mappings lost with a damaged frame.</summary>
    RecordSequence,

    /// <summary>The file ends before the trailer.</summary>
    Truncated,

    /// <summary>The trailer's counts or digest disagree with the frames before it.</summary>
    TrailerMismatch,

    /// <summary>Bytes follow the trailer.</summary>
    TrailingBytes,

    /// <summary>Not damage: a format 1.0 image, whose trailer digest cannot detect frames removed, repeated, reordered or replaced.</summary>
    WeakDigest,
}
