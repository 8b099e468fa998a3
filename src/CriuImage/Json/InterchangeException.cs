using CriuImage.Diagnostics;

namespace CriuImage.Json;

/// <summary>A JSON interchange document that is not valid JSON or not of the image shape, with the 1-based line and column.</summary>
public sealed class InterchangeException : InputFormatException
{
    /// <summary>Creates the exception for a problem at <paramref name="line"/>:<paramref name="column"/> (byte <paramref name="byteOffset"/> of the document, where known).</summary>
    public InterchangeException(long line, long column, string detail, long? byteOffset = null)
        : base($"line {line}, column {column}: {detail}", detail)
    {
        Line = line;
        Column = column;
        InputOffset = byteOffset;
    }

    /// <summary>1-based line of the offending token.</summary>
    public long Line { get; }

    /// <summary>1-based column (in bytes of UTF-8) of the offending token.</summary>
    public long Column { get; }

    /// <inheritdoc/>
    public override long? InputOffset { get; }
}
