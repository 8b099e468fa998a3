namespace CriuImage.Analyzer;

/// <summary>
/// An output file written beside its final name and moved over it only once complete, so that a failed
/// command leaves whatever was there before untouched.
/// </summary>
internal sealed class AtomicOutput : IAsyncDisposable
{
    private readonly string _temporaryPath;
    private bool _committed;

    private AtomicOutput(string path, string temporaryPath, FileStream stream)
    {
        Path = path;
        _temporaryPath = temporaryPath;
        Stream = stream;
    }

    /// <summary>The final path.</summary>
    public string Path { get; }

    /// <summary>Where to write the content.</summary>
    public FileStream Stream { get; }

    /// <summary>Creates the temporary file beside <paramref name="path"/>.</summary>
    public static AtomicOutput Create(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string temporary = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        return new AtomicOutput(full, temporary, new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous));
    }

    /// <summary>Makes the content durable and moves it to <see cref="Path"/>.</summary>
    public async Task CommitAsync()
    {
        Stream.Flush(flushToDisk: true);
        await Stream.DisposeAsync();
        File.Move(_temporaryPath, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the file and, without a commit, deletes it.</summary>
    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        if (!_committed)
        {
            File.Delete(_temporaryPath);
        }
    }
}
