namespace CriuImage.MessagePack;

/// <summary>Outcome of a non-throwing MessagePack primitive read.</summary>
internal enum DecodeResult
{
    /// <summary>The value was read.</summary>
    Success,

    /// <summary>The next value is not of the requested type (or is a negative integer where an unsigned one was asked for).</summary>
    TokenMismatch,

    /// <summary>The buffer ends before the value does.</summary>
    InsufficientBuffer,
}
