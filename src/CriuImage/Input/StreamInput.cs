using CriuImage.Format;

namespace CriuImage.Input;

/// <summary>
/// An input that can be read only once: standard input (<c>-</c>), a FIFO, a process substitution
/// (<c>&lt;(...)</c>), <c>/dev/stdin</c> or another character device. A second open of such a path finds it
/// empty or waits for a writer that never comes, so it is opened once here, its first bytes are looked at,
/// and everything after reads the same stream from its first byte.
/// </summary>
internal sealed class StreamInput : IDisposable
{
    /// <summary>Bytes looked at before deciding what the stream holds: enough for a tar header's magic.</summary>
    private const int HeadBytes = 512;

    private readonly Stream _stream;
    private readonly bool _owned;
    private readonly byte[] _head;
    private bool _taken;

    private StreamInput(string path, Stream stream, bool owned)
    {
        Path = path;
        _stream = stream;
        _owned = owned;
        _head = new byte[HeadBytes];
        _head = _head[..stream.ReadAtLeast(_head, HeadBytes, throwOnEndOfStream: false)];
    }

    /// <summary>The path as given (<c>-</c> for standard input).</summary>
    public string Path { get; }

    /// <summary>True when the stream starts with the criu-image magic: it is streamed to an image reader, never held whole.</summary>
    public bool IsImage => _head.AsSpan().StartsWith(Preamble.Magic);

    /// <summary>True when the stream held nothing at all.</summary>
    public bool IsEmpty => _head.Length == 0;

    /// <summary>Opens <paramref name="path"/> (<c>-</c>: <paramref name="standardInput"/>, left open) and reads its first bytes.</summary>
    /// <exception cref="IOException">The stream cannot be opened or read (standard input closed included).</exception>
    public static StreamInput Open(string path, Stream standardInput)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(standardInput);
        if (path == "-")
        {
            return new StreamInput(path, standardInput, owned: false);
        }

        return Over(path, InputPaths.OpenRead(path));
    }

    /// <summary>Reads the first bytes of <paramref name="stream"/>, opened by the caller from <paramref name="path"/>; the stream is closed with this input.</summary>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static StreamInput Over(string path, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return new StreamInput(path, stream, owned: true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The whole stream from its first byte; it can be taken once.</summary>
    public Stream TakeContent()
    {
        if (_taken)
        {
            throw new InvalidOperationException($"{Path} was already read");
        }

        _taken = true;
        return new PrefixedStream(_head, _stream);
    }

    /// <summary>What the stream holds, as the input layer reads <c>-</c>: an archive, a CRIU file, or an image (held in memory).</summary>
    public InputSet Collect(InputOptions options)
    {
        var set = new InputSet();
        InputCollector.ReadStream(TakeContent(), Path, set, options);
        return set;
    }

    /// <summary>Closes the stream when it was opened here (standard input stays open).</summary>
    public void Dispose()
    {
        if (_owned)
        {
            _stream.Dispose();
        }
    }
}
