using System.Text;

namespace CriuImage.Native;

/// <summary>
/// How failures cross the C boundary: a negative errno as the return value and one line of text, kept per
/// thread (<c>criu_image_last_error</c>), never an exception, which would end the C caller's process.
/// </summary>
internal static class NativeErrors
{
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EINVAL = 22;
    public const int ENAMETOOLONG = 36;
    public const int EBADFD = 77;

    /// <summary>Errno values at or above this are not errnos (an HResult that is not one).</summary>
    private const int ErrnoLimit = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [ThreadStatic]
    private static string? _last;

    /// <summary>The message of the last failure on this thread, or null when its last call succeeded.</summary>
    public static string? Last => _last;

    /// <summary>Records <paramref name="message"/> as this thread's last error and returns <c>-errno</c>.</summary>
    public static int Fail(int errno, string message)
    {
        _last = message;
        return -errno;
    }

    /// <summary>Records <paramref name="message"/> as this thread's last message for a call that did run (a report's standard error).</summary>
    public static void Note(string message) => _last = message;

    /// <summary>Forgets this thread's last error, at the start of a call that may succeed.</summary>
    public static void Clear() => _last = null;

    /// <summary>
    /// The errno of an exception from the library: the system's own where .NET kept it (an <see cref="IOException"/>
    /// from a failed write carries it as its HResult), else the nearest one for its type.
    /// </summary>
    public static int ErrnoOf(Exception e) => e switch
    {
        ArgumentException => EINVAL,
        FileNotFoundException or DirectoryNotFoundException => ENOENT,
        PathTooLongException => ENAMETOOLONG,
        UnauthorizedAccessException => EACCES,
        OutOfMemoryException or InsufficientExecutionStackException => ENOMEM,
        InvalidOperationException => EBADFD,
        IOException { HResult: > 0 and < ErrnoLimit } io => io.HResult,
        _ => EIO,
    };

    /// <summary>Records <paramref name="e"/> as this thread's last error (prefixed with what was being done) and returns <c>-errno</c>.</summary>
    public static int Fail(string doing, Exception e) => Fail(ErrnoOf(e), $"{doing}: {e.Message}");

    /// <summary>
    /// Copies <paramref name="message"/> into the caller's buffer as NUL-terminated UTF-8, cut at a character
    /// boundary when it does not fit; returns the bytes the whole message needs (without the NUL).
    /// </summary>
    public static unsafe int CopyTo(string message, byte* buffer, nuint length)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        if (buffer is null || length == 0)
        {
            return bytes.Length;
        }

        int fits = (int)Math.Min((nuint)bytes.Length, length - 1);
        while (fits > 0 && fits < bytes.Length && (bytes[fits] & 0xC0) == 0x80)
        {
            fits--;
        }

        bytes.AsSpan(0, fits).CopyTo(new Span<byte>(buffer, fits));
        buffer[fits] = 0;
        return bytes.Length;
    }

    /// <summary>Reads a NUL-terminated UTF-8 argument; null stays null.</summary>
    /// <exception cref="ArgumentException">The text is not UTF-8 (.NET cannot name such a path).</exception>
    public static unsafe string? String(byte* text) =>
        text is null ? null : StrictUtf8.GetString(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));
}
