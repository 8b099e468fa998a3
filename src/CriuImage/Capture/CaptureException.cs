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

    /// <summary>The errno the failing call gave (positive: EPERM is 1); EAGAIN when the state never held still, EOVERFLOW when a count passed what one call may ask for.</summary>
    public int Errno { get; }
}
