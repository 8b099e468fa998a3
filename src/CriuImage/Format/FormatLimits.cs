namespace CriuImage.Format;

/// <summary>The constants and limits of FORMAT.md, version 1.0.</summary>
public static class FormatLimits
{
    /// <summary>Format major version this library reads and writes.</summary>
    public const ushort MajorVersion = 1;

    /// <summary>Format minor version this library writes and fully understands.</summary>
    public const ushort MinorVersion = 0;

    /// <summary>Largest frame payload a reader accepts (FORMAT.md section 9).</summary>
    public const int MaxFramePayload = 16 * 1024 * 1024;

    /// <summary>Payload size at which the canonical writer starts a new record frame (FORMAT.md section 3).</summary>
    public const int CanonicalFramePayload = 64 * 1024;

    /// <summary>Longest str value.</summary>
    public const int MaxStringBytes = 256;

    /// <summary>Most entries in the header map.</summary>
    public const int MaxHeaderEntries = 64;

    /// <summary>Deepest nesting inside a header value that a reader skips.</summary>
    public const int MaxNestingDepth = 8;
}
