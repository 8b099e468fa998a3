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
    /// <exception cref="IOException">The temporary folder refuses the file.</exception>
    public static FileStream Create()
    {
        string path = Path.Combine(Path.GetTempPath(), $"criu-image-spool-{Guid.NewGuid():N}");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, create);
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
}
