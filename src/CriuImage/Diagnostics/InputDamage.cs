namespace CriuImage.Diagnostics;

/// <summary>
/// A bad input kept as data rather than as the exception that found it (a damaged file of a dump, a topology
/// CRIU's parser refuses): where, as far as the reader knows (the file, the byte), and what is wrong there.
/// </summary>
/// <param name="Message">The whole line: the position, then <paramref name="Detail"/>, as <see cref="InputFormatException"/> says it.</param>
/// <param name="Detail">What is wrong, without the position.</param>
public sealed record InputDamage(string Message, string Detail)
{
    /// <summary>The file at fault, where the reader knows it (relative to the input it was given); null otherwise.</summary>
    public string? InputPath { get; init; }

    /// <summary>Offset from the start of the file of the offending byte, where the reader knows it; null otherwise.</summary>
    public long? ByteOffset { get; init; }

    /// <summary>What <paramref name="exception"/> says, as data.</summary>
    internal static InputDamage Of(InputFormatException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new InputDamage(exception.Message, exception.Detail) { InputPath = exception.InputPath, ByteOffset = exception.InputOffset };
    }

    /// <summary>Damage at byte <paramref name="byteOffset"/> of a file, said as <see cref="ImageFormatException"/> says it.</summary>
    internal static InputDamage AtByte(long byteOffset, string detail) =>
        new(ImageFormatException.Describe(byteOffset, detail, frame: null), detail) { ByteOffset = byteOffset };
}
