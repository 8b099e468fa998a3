namespace CriuImage.Input;

/// <summary>
/// A stream copied to a temporary file, so that what arrives on standard input or a pipe is not held in memory:
/// an unlinked 0600 file in the temporary folder (<see cref="IO.ScratchFile"/>), which the system frees when the
/// last handle closes.
/// </summary>
internal static class StreamSpool
{
    private const int ChunkBytes = 1 << 16;

    /// <summary>
    /// The most bytes of a stream, or of a file named on its own that no reader knows by name, held in memory; more stays
    /// in its spool (or its file) and is read from there by position, so no input's size sets the tool's memory.
    /// </summary>
    internal const long HeldBytes = 1 << 20;

    /// <summary>Copies <paramref name="source"/> to its end into a new unlinked file, at most <paramref name="maxBytes"/> bytes; the caller closes it.</summary>
    /// <exception cref="IOException">The stream holds more than <paramref name="maxBytes"/> (said with <paramref name="tooLarge"/>), or cannot be read or spooled.</exception>
    public static FileStream Copy(Stream source, long maxBytes, Func<long, string> tooLarge)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tooLarge);
        FileStream spool = IO.ScratchFile.Create();
        try
        {
            byte[] chunk = new byte[ChunkBytes];
            int n;
            while ((n = source.Read(chunk)) > 0)
            {
                if (spool.Length + n > maxBytes)
                {
                    throw new IOException(tooLarge(maxBytes));
                }

                spool.Write(chunk, 0, n);
            }

            return spool;
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    /// <summary>The spooled bytes in one array of their size (a message is parsed from contiguous bytes); the spool is closed.</summary>
    internal static byte[] ReadAll(FileStream spool)
    {
        using (spool)
        {
            byte[] all = new byte[spool.Length];
            RandomAccess.Read(spool.SafeFileHandle, all, 0);
            return all;
        }
    }
}
