namespace CriuImage.Input;

/// <summary>
/// Reads a stream that holds a container of files, told by its first bytes: gzip or zstd (decoded, then
/// looked at again), an oci-archive (a tar whose first entry is an OCI layout's), or any other tar. A
/// compressed stream is always read to its end, past the tar's end-of-archive blocks, so that every gzip
/// trailer and zstd checksum is checked.
/// </summary>
internal static class Containers
{
    /// <summary>How many first bytes tell a container (a tar header block).</summary>
    public const int PeekBytes = 512;

    private const int UstarMagic = 257;
    private const int DecodeBuffer = 1 << 20;

    /// <summary>True when <paramref name="head"/> starts a gzip or zstd stream or a tar archive.</summary>
    public static bool IsContainer(ReadOnlySpan<byte> head) => Compressions.Detect(head) != Compression.None || IsTar(head);

    /// <summary>True when <paramref name="head"/> is a ustar or GNU tar header block.</summary>
    public static bool IsTar(ReadOnlySpan<byte> head) => head.Length >= UstarMagic + 5 && head.Slice(UstarMagic, 5).SequenceEqual("ustar"u8);

    /// <summary>
    /// Why a file inside a checkpoint archive that is itself an archive is not read, or null when it is read:
    /// the container's file-system changes and volumes, which Podman, CRI-O and containerd store beside the
    /// dump (<c>rootfs-diff.tar</c>, <c>devshm-checkpoint.tar</c>, <c>volumes/NAME.tar</c>).
    /// </summary>
    public static string? PayloadReason(string name) =>
        name is "rootfs-diff.tar" or "devshm-checkpoint.tar" || (name.StartsWith("volumes/", StringComparison.Ordinal) && name.EndsWith(".tar", StringComparison.Ordinal))
            ? "the container's files (file-system changes, /dev/shm or a volume) that the engine stores beside the dump: not read"
            : null;

    /// <summary>Reads the container in <paramref name="stream"/>; files are named <paramref name="display"/>:ENTRY. True when it was read to its end.</summary>
    public static bool Read(Stream stream, string display, InputSet set, InputOptions options, InputContext context) =>
        Read(stream, display, display + ":", set, options, context);

    /// <summary>Reads the container in <paramref name="stream"/>; files are named <paramref name="prefix"/>ENTRY, messages name <paramref name="display"/>. True when it was read to its end.</summary>
    public static bool Read(Stream stream, string display, string prefix, InputSet set, InputOptions options, InputContext context) =>
        Read(stream, display, prefix, set, options, context, within: null);

    /// <summary>As the public overload; <paramref name="within"/> names the compression <paramref name="stream"/> was decoded from, for what its contents are said to be.</summary>
    private static bool Read(Stream stream, string display, string prefix, InputSet set, InputOptions options, InputContext context, string? within)
    {
        if (context.Depth > options.MaxDepth)
        {
            set.Unreadable.Add(new UnreadableInput(display, $"nested {context.Depth} deep, deeper than the {options.MaxDepth} levels read: refused"));
            return false;
        }

        byte[] head = Peek(ref stream);
        Compression compression = Compressions.Detect(head);
        if (compression != Compression.None)
        {
            return ReadCompressed(stream, compression, display, prefix, set, options, context);
        }

        if (!IsTar(head))
        {
            set.Unreadable.Add(new UnreadableInput(display, within is null
                ? "neither a tar archive nor a gzip or zstd stream: not read"
                : $"a {within} stream whose contents are not a tar archive: not read"));
            return false;
        }

        if (OciArchive.Starts(head))
        {
            return OciArchive.Read(stream, display, prefix, set, options, context);
        }

        return ArchiveReader.Read(stream, display, prefix, set, options, context);
    }

    private static bool ReadCompressed(Stream stream, Compression compression, string display, string prefix, InputSet set, InputOptions options, InputContext context)
    {
        Stream source = options.Progress is { } progress ? new ProgressStream(stream, consumed => progress(display, consumed)) : stream;
        string format = compression == Compression.Gzip ? "gzip" : "zstd";
        try
        {
            // The tar reader skips data in 4 KiB reads: the buffer lets the decoder work on large ones.
            using Stream decoded = new BufferedStream(Compressions.Open(source, compression, context.Budget), DecodeBuffer);
            bool complete = Read(decoded, display, prefix, set, options, context.Nested(), format);
            if (complete)
            {
                // The tar reader stops at the end-of-archive blocks: the trailers and checksums come after.
                decoded.CopyTo(Stream.Null);
            }

            return complete;
        }
        catch (InvalidDataException e)
        {
            set.Unreadable.Add(new UnreadableInput(display, $"the {format} stream is damaged: {e.Message}"));
            return false;
        }
        finally
        {
            options.Progress?.Invoke(display, -1);
        }
    }

    /// <summary>The first <see cref="PeekBytes"/> bytes, leaving <paramref name="stream"/> where it was (a forward-only stream is replaced by one that gives them again).</summary>
    internal static byte[] Peek(ref Stream stream)
    {
        byte[] head = new byte[PeekBytes];
        if (stream.CanSeek)
        {
            long at = stream.Position;
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = at;
            return head[..n];
        }

        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream = new PrefixedStream(head.AsMemory(0, got), stream);
        return head[..got];
    }
}
