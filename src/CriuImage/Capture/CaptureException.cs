using CriuImage.Diagnostics;

namespace CriuImage.Capture;

/// <summary>
/// A capture that could not be made: the kernel refused a call, the state never settled, or the process's
/// descriptor could not be taken. <see cref="Exception.Message"/> is one line that says what and where (the
/// call, the BO handle) and, for a refused call, the errno the kernel gave.
/// </summary>
public sealed class CaptureException : Exception
{
    /// <summary>Creates the exception with its one-line message and the errno behind it (0 when none).</summary>
    public CaptureException(string message, int errno = 0)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>Creates the exception with a message that ends in what may settle it (<paramref name="remedy"/>), worded by the library until the caller words it (<see cref="Describe"/>).</summary>
    internal CaptureException(string message, int errno, Remedy remedy)
        : base($"{message} ({RemedyWords.Library.For(remedy)})")
    {
        Errno = errno;
        _unremedied = message;
        _remedy = remedy;
    }

    /// <summary>The errno the failing call gave (positive: EPERM is 1); EAGAIN when the state never held still, EOVERFLOW when a count passed what one call may ask for.</summary>
    public int Errno { get; }

    private readonly string? _unremedied;
    private readonly Remedy? _remedy;

    /// <summary>The one line, with what may settle it in <paramref name="words"/>.</summary>
    internal string Describe(RemedyWords words) =>
        _remedy is { } remedy ? $"{_unremedied} ({words.For(remedy)})" : Message;
}
