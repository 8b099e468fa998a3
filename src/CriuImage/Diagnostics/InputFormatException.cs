namespace CriuImage.Diagnostics;

/// <summary>
/// The base of the exceptions for an input that cannot be read as what it should be, one subclass per kind of
/// input, as System.Text.Json's <c>JsonException</c>: <see cref="ImageFormatException"/> for images and CRIU's
/// files, <c>InterchangeException</c> for the JSON interchange, <c>TopologyFormatException</c> for host
/// topologies. Each says what is wrong (<see cref="Detail"/>) and where, as far as its reader knows: the file
/// (<see cref="InputPath"/>) and the byte (<see cref="InputOffset"/>). Catch this type to report any bad input in
/// one place.
/// </summary>
public abstract class InputFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message: the position, then <paramref name="detail"/>.</param>
    /// <param name="detail">What is wrong, without the position.</param>
    /// <param name="inner">The cause, if another exception.</param>
    protected InputFormatException(string message, string detail, Exception? inner = null)
        : base(message, inner)
    {
        Detail = detail;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Detail { get; }

    /// <summary>The file at fault, where the reader knows it (relative to the input it was given); null otherwise.</summary>
    public virtual string? InputPath => null;

    /// <summary>Offset from the start of the file of the offending byte, where the reader knows it; null otherwise.</summary>
    public virtual long? InputOffset => null;
}
