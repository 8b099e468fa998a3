namespace CriuImage.Json;

/// <summary>A JSON interchange document that is not valid JSON or not of the image shape, with the 1-based line and column.</summary>
public sealed class InterchangeException : Exception
{
    /// <summary>Creates the exception for a problem at <paramref name="line"/>:<paramref name="column"/>.</summary>
    public InterchangeException(long line, long column, string detail)
        : base($"line {line}, column {column}: {detail}")
    {
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>1-based line of the offending token.</summary>
    public long Line { get; }

    /// <summary>1-based column (in bytes of UTF-8) of the offending token.</summary>
    public long Column { get; }

    /// <summary>What was wrong, without the position.</summary>
    public string Detail { get; }
}
