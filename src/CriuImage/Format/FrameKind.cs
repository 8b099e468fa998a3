namespace CriuImage.Format;

/// <summary>Frame kinds (FORMAT.md section 3). A kind with bit 0x20 set is ancillary: readers skip unknown ones.</summary>
internal enum FrameKind : byte
{
    /// <summary><c>H</c>: the header map.</summary>
    Header = (byte)'H',

    /// <summary><c>R</c>: BO and VM records.</summary>
    Records = (byte)'R',

    /// <summary><c>T</c>: the trailer.</summary>
    Trailer = (byte)'T',
}
