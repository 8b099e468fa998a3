using System.Runtime.InteropServices;

namespace CriuImage;

/// <summary>
/// Writes an image to a path atomically: into a temporary file in the same folder, then fsync, rename over
/// the final name and fsync of the folder. Until <see cref="CommitAsync"/> succeeds the final path is
/// untouched, and disposing without a commit deletes the temporary file.
/// </summary>
public sealed partial class ImageFileWriter : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly string _temporaryPath;
    private bool _committed;

    private ImageFileWriter(string path, string temporaryPath, FileStream stream, ImageHeader header)
    {
        Path = path;
        _temporaryPath = temporaryPath;
        _stream = stream;
        Writer = ImageWriter.Create(stream, header, leaveOpen: true);
    }

    /// <summary>The final path of the image.</summary>
    public string Path { get; }

    /// <summary>The writer to add BOs with.</summary>
    public ImageWriter Writer { get; }

    /// <summary>Starts an image that will replace <paramref name="path"/> when committed.</summary>
    /// <exception cref="ArgumentException"><paramref name="header"/> has a value FORMAT.md does not allow.</exception>
    /// <exception cref="IOException">The temporary file cannot be created.</exception>
    public static ImageFileWriter Create(string path, ImageHeader header)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(header);
        string full = System.IO.Path.GetFullPath(path);
        string folder = System.IO.Path.GetDirectoryName(full) ?? ".";
        string temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        try
        {
            return new ImageFileWriter(full, temporary, stream, header);
        }
        catch
        {
            stream.Dispose();
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes the trailer, makes the file durable and moves it to <see cref="Path"/>.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed)
        {
            throw new InvalidOperationException("the image was already committed");
        }

        await Writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await Writer.DisposeAsync().ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_temporaryPath, Path, overwrite: true);
        _committed = true;
        SyncFolder(System.IO.Path.GetDirectoryName(Path)!);
    }

    /// <summary>Releases the file; without a commit, deletes the temporary file and leaves <see cref="Path"/> as it was.</summary>
    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            File.Delete(_temporaryPath);
        }
    }

    /// <summary>Makes the rename durable: fsync of the folder's entry list (POSIX only; elsewhere the rename is all there is).</summary>
    private static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        const int ReadOnly = 0; // O_RDONLY: enough to open a folder for fsync on Linux and macOS
        int fd = Open(folder, ReadOnly);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
