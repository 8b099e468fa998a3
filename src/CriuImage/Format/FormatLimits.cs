namespace CriuImage.Format;

/// <summary>The constants and limits of FORMAT.md, version 1.1.</summary>
internal static class FormatLimits
{
    /// <summary>Format major version this library reads and writes.</summary>
    public const ushort MajorVersion = 1;

    /// <summary>Format minor version this library writes and fully understands.</summary>
    public const ushort MinorVersion = 1;

    /// <summary>
    /// Incompat feature bit of format 1.1 (FORMAT.md section 2): the header holds an image id, every later
    /// frame header's CRC is seeded with it and links to the frames before it, and the trailer digest covers
    /// each frame's identity and order. A 1.0 reader refuses such an image, as it should.
    /// </summary>
    public const uint IncompatImageId = 0x1;

    /// <summary>The incompat feature bits this library implements.</summary>
    public const uint KnownIncompat = IncompatImageId;

    /// <summary>Largest frame payload a reader accepts (FORMAT.md section 9).</summary>
    public const int MaxFramePayload = 16 * 1024 * 1024;

    /// <summary>Payload size at which the canonical writer starts a new record frame (FORMAT.md section 3).</summary>
    public const int CanonicalFramePayload = 64 * 1024;

    /// <summary>Longest str value.</summary>
    public const int MaxStringBytes = 256;

    /// <summary>Most entries in any map of the header frame (the header map, device, capture, and maps inside skipped values).</summary>
    public const int MaxHeaderEntries = 64;

    /// <summary>Deepest a map or array may sit in the header frame: the header map is at depth 1, a map or array that is one of its values at depth 2.</summary>
    public const int MaxNestingDepth = 8;

    /// <summary>Bytes of the image id (FORMAT.md section 4).</summary>
    public const int ImageIdBytes = 16;
}
