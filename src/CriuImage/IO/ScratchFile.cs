using Microsoft.Win32.SafeHandles;

namespace CriuImage.IO;

/// <summary>
/// A temporary file for what would otherwise be held in memory (a stream read from standard input, the overlap
/// check's page ranges past their budget): made in the temporary folder (<c>$TMPDIR</c>, else <c>/tmp</c>) with
/// mode 0600 and unlinked before a byte is written, so nothing is left behind however the process ends; the
/// system frees it when the last handle closes.
/// </summary>
internal static class ScratchFile
{
    /// <summary>A new unlinked file, open for reading and writing, unbuffered; the caller closes it.</summary>
    /// <exception cref="ScratchFileException">The temporary folder refuses the file.</exception>
    public static FileStream Create()
    {
        string path = Path.Combine(Path.GetTempPath(), $"criu-image-spool-{Guid.NewGuid():N}");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        FileStream file;
        try
        {
            file = new FileStream(path, create);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Said as the temporary folder's failure: .NET's "Could not find a part of the path" would be read as the input's.
            throw new ScratchFileException($"cannot make a scratch file in {Path.GetTempPath()} (TMPDIR): {IoMessages.Of(e)}", e);
        }

        try
        {
            File.Delete(path);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/> of a scratch file, its failure said with the folder's name.</summary>
    /// <exception cref="ScratchFileException">The temporary folder refuses the bytes (full, read-only).</exception>
    public static void Write(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset)
    {
        try
        {
            RandomAccess.Write(file, bytes, offset);
        }
        catch (IOException e)
        {
            throw new ScratchFileException($"cannot spill to a scratch file in {Path.GetTempPath()} (TMPDIR): {IoMessages.Of(e)}", e);
        }
    }

    /// <summary>Fills <paramref name="bytes"/> from <paramref name="offset"/> of a scratch file, which holds them.</summary>
    /// <exception cref="ScratchFileException">The file ends before them.</exception>
    public static void Read(SafeFileHandle file, Span<byte> bytes, long offset)
    {
        int read = 0;
        while (read < bytes.Length)
        {
            int got = RandomAccess.Read(file, bytes[read..], offset + read);
            if (got == 0)
            {
                throw new ScratchFileException($"a scratch file in {Path.GetTempPath()} (TMPDIR) ended early", null);
            }

            read += got;
        }
    }
}

/// <summary>A scratch file in the temporary folder could not be made, written or read back: no input's fault, and said as the folder's.</summary>
internal sealed class ScratchFileException(string message, Exception? inner) : IOException(message, inner);
