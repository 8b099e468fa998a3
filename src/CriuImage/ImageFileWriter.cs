using CriuImage.Format;
using CriuImage.IO;

namespace CriuImage;

/// <summary>
/// Writes an image to a path as <see cref="OutputFile"/> does: a regular file (or a new name) is replaced
/// atomically, into a temporary file in the same folder (unnamed where Linux supports it), then fsync,
/// rename over the final name and fsync of the folder; a character device or FIFO is written through.
/// Until <see cref="CommitAsync"/> succeeds a replaced path is untouched, and disposing without a commit
/// leaves no temporary file.
/// </summary>
public sealed class ImageFileWriter : IAsyncDisposable
{
    private readonly OutputFile _output;
    private bool _committed;

    private ImageFileWriter(OutputFile output, ImageHeader header)
    {
        _output = output;
        Writer = ImageWriter.Create(output.Stream, header, leaveOpen: true);
    }

    /// <summary>The final path of the image (a link's target, when the given path was a link).</summary>
    public string Path => _output.Path;

    /// <summary>The writer to add BOs with.</summary>
    public ImageWriter Writer { get; }

    /// <summary>Starts an image that will replace <paramref name="path"/> when committed.</summary>
    /// <exception cref="ArgumentException"><paramref name="header"/> has a value FORMAT.md does not allow, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The path cannot be written (a folder, a missing folder, no permission).</exception>
    public static ImageFileWriter Create(string path, ImageHeader header)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(header);
        OutputFile output = OutputFile.Open(path, bufferSize: 1);
        try
        {
            return new ImageFileWriter(output, header);
        }
        catch
        {
            output.DisposeAsync().AsTask().GetAwaiter().GetResult();
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
        await _output.CommitAsync(cancellationToken).ConfigureAwait(false);
        _committed = true;
    }

    /// <summary>Releases the file; without a commit, leaves a replaced <see cref="Path"/> as it was and no temporary file.</summary>
    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync().ConfigureAwait(false);
        await _output.DisposeAsync().ConfigureAwait(false);
    }
}
