using CriuImage.IO;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// A command's <c>-o</c>: <c>-</c> is standard output; a path is an <see cref="OutputFile"/> (a regular
/// file replaced atomically only on success, a device or FIFO written through, anything else refused).
/// Standard output is streamed, but its first <see cref="HeldBytes"/> are held until they are exceeded or
/// the command succeeds: a failure early on (a damaged small image) leaves it empty, as a file would be
/// left untouched, while a large document still streams in bounded memory.
/// </summary>
internal sealed class CommandOutput : IAsyncDisposable
{
    private const int HeldBytes = 1024 * 1024;

    private readonly OutputFile? _file;
    private readonly HeldStream? _held;
    private readonly string _name;

    private CommandOutput(OutputFile? file, HeldStream? held, string name)
    {
        _file = file;
        _held = held;
        _name = name;
        Stream = file is not null ? new OutputStream(file.Stream, name) : held!;
    }

    /// <summary>Where to write the content.</summary>
    public Stream Stream { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="bufferSize"/> 1 when the caller buffers.</summary>
    public static CommandOutput Open(string path, StandardStreams std, int bufferSize = 64 * 1024)
    {
        if (path == "-")
        {
            std.Text.Flush();
            return new CommandOutput(null, new HeldStream(std.Output), "standard output");
        }

        try
        {
            return new CommandOutput(OutputFile.Open(path, bufferSize), null, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(path, e);
        }
    }

    /// <summary>Finishes the output: a file is moved into place, standard output is flushed.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_file is not null)
        {
            try
            {
                await _file.CommitAsync(cancellationToken);
            }
            catch (IOException e) when (e is not OutputException)
            {
                throw new OutputException(_name, e);
            }
        }
        else
        {
            await _held!.ReleaseAsync(cancellationToken);
        }
    }

    /// <summary>Without a commit, a replaced file is left as it was.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync();
        }
    }

    /// <summary>Holds the first <see cref="HeldBytes"/> written, then writes through.</summary>
    private sealed class HeldStream(Stream inner) : WriteOnlyStream
    {
        private MemoryStream? _held = new();

        /// <summary>Writes what is held and flushes: the content is complete.</summary>
        public async Task ReleaseAsync(CancellationToken cancellationToken)
        {
            await SpillAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override void Flush()
        {
            if (_held is null)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => _held is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_held is not null && _held.Length + buffer.Length <= HeldBytes)
            {
                _held.Write(buffer);
                return;
            }

            SpillAsync(CancellationToken.None).GetAwaiter().GetResult();
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_held is not null && _held.Length + buffer.Length <= HeldBytes)
            {
                _held.Write(buffer.Span);
                return;
            }

            await SpillAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private async Task SpillAsync(CancellationToken cancellationToken)
        {
            if (_held is { } held)
            {
                _held = null;
                await inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
            }
        }
    }
}
