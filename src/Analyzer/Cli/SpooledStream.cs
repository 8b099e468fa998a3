using Microsoft.Win32.SafeHandles;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// A stream (standard input, a FIFO, <c>&lt;(...)</c>) copied to a temporary file so that it can be read more
/// than once in constant memory: the file is made in the temporary folder (<c>$TMPDIR</c>, else <c>/tmp</c>)
/// with mode 0600 and unlinked at once, so nothing is left behind whatever ends the process; its space is
/// freed when the handle closes.
/// </summary>
internal sealed class SpooledStream : IDisposable
{
    private const int ChunkBytes = 1 << 16;

    private readonly FileStream _file;

    private SpooledStream(FileStream file) => _file = file;

    /// <summary>The spooled copy, read by position.</summary>
    public SafeFileHandle Handle => _file.SafeFileHandle;

    /// <summary>Copies <paramref name="source"/> to its end into a new unlinked temporary file.</summary>
    /// <exception cref="IOException">The stream cannot be read, or the temporary folder written (a full disk included).</exception>
    public static async Task<SpooledStream> CopyAsync(Stream source, CancellationToken cancellationToken)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"criu-image-spool-{Guid.NewGuid():N}");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, create);
        try
        {
            // Unlinked before a byte is written: the copy has no name another process could open or a kill could leave.
            File.Delete(path);
            byte[] chunk = new byte[ChunkBytes];
            int n;
            while ((n = await source.ReadAsync(chunk, cancellationToken)) > 0)
            {
                await file.WriteAsync(chunk.AsMemory(0, n), cancellationToken);
            }

            return new SpooledStream(file);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the copy; the system frees its space.</summary>
    public void Dispose() => _file.Dispose();
}
