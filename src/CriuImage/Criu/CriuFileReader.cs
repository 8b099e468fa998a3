using CriuImage.Diagnostics;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// Reads CRIU's amdgpu message files (KFD image, render node, dma-buf node) of every schema revision:
/// the 8-byte header, then the protobuf, in one walk of the wire that allocates only the message it
/// returns. The revision is told from the fields on the wire (<see cref="CriuRevisions"/>), never assumed.
/// How much it takes is its <see cref="CriuConformance"/>, chosen at construction: <see cref="Lax"/> reads
/// what CRIU's restore reads and records what protobuf-c would refuse or change
/// (<see cref="CriuMessageFile{T}.Problems"/>) for the verifier to judge; <see cref="Strict"/> reads the same
/// way, then refuses the first such problem and the counts that disagree with their lists. A file too short
/// for its header, a header past the end, or wire damage is an <see cref="ImageFormatException"/> with the
/// offset in either mode.
/// </summary>
public sealed class CriuFileReader
{
    /// <summary>Creates a reader of the given conformance.</summary>
    public CriuFileReader(CriuConformance conformance)
    {
        if (!Enum.IsDefined(conformance))
        {
            throw new ArgumentOutOfRangeException(nameof(conformance));
        }

        Conformance = conformance;
    }

    /// <summary>A reader of <see cref="CriuConformance.Lax"/> conformance (what <c>verify</c> reads with).</summary>
    public static CriuFileReader Lax { get; } = new(CriuConformance.Lax);

    /// <summary>A reader of <see cref="CriuConformance.Strict"/> conformance (what <c>import</c> holds a render node to).</summary>
    public static CriuFileReader Strict { get; } = new(CriuConformance.Strict);

    /// <summary>How much this reader takes.</summary>
    public CriuConformance Conformance { get; }

    /// <summary>Reads an <c>amdgpu-kfd-&lt;id&gt;.img</c>.</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged, or (strict) the message breaks the schema.</exception>
    public CriuMessageFile<CriuKfd> ReadKfd(ReadOnlyMemory<byte> file) => ReadKfd(WireWindow.Of(file));

    /// <summary>Reads a KFD image held in memory or read a field at a time from a descriptor (<see cref="WireWindow"/>), its private data left where it lies.</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged, or (strict) the message breaks the schema.</exception>
    internal CriuMessageFile<CriuKfd> ReadKfd(WireWindow file) => Held(KfdWire.Read(file, Open(file)));

    /// <summary>True when <see cref="ReadKfd(ReadOnlyMemory{byte})"/> would report a field of the wrong wire type at the top level (told without reading the entries).</summary>
    /// <exception cref="ImageFormatException">The header or the top-level wire is damaged.</exception>
    internal static bool KfdTopMisfits(WireWindow file) => KfdWire.TopMisfits(file, Open(file));

    /// <summary>Reads an <c>amdgpu-renderD-&lt;id&gt;.img</c> of any revision (released: gpu_id alone).</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged, or (strict) the message breaks the schema.</exception>
    public CriuMessageFile<CriuRenderNode> ReadRenderNode(ReadOnlyMemory<byte> file) => ReadRenderNode(WireWindow.Of(file));

    /// <summary>Reads a render node held in memory or read in windows from a descriptor (<see cref="WireWindow"/>).</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged, or (strict) the message breaks the schema.</exception>
    internal CriuMessageFile<CriuRenderNode> ReadRenderNode(WireWindow file) => Held(RenderNodeWire.Read(file, Open(file)));

    /// <summary>Reads an <c>amdgpu-dmabuf_&lt;id&gt;.img</c> (criu-dev only).</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged, or (strict) the message breaks the schema.</exception>
    public CriuMessageFile<CriuDmabufNode> ReadDmabuf(ReadOnlyMemory<byte> file) => Held(RenderNodeWire.ReadDmabuf(file, Open(WireWindow.Of(file))));

    /// <summary>
    /// Holds a message already read (by any reader) to this reader's conformance, so that a file is parsed
    /// once and judged the same way wherever it is judged: a strict reader throws the first breach
    /// (a count that disagrees with its list, a field protobuf-c would refuse or change); a lax one takes everything.
    /// </summary>
    /// <exception cref="ImageFormatException">Strict, and <paramref name="file"/> breaks the schema.</exception>
    public CriuMessageFile<T> Held<T>(CriuMessageFile<T> file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (Conformance == CriuConformance.Strict && CriuConformanceRules.FirstBreach(file) is { } breach)
        {
            throw breach;
        }

        return file;
    }

    /// <summary>The message's length and the bytes after it, from the header; throws when the header does not fit the file.</summary>
    private static (ulong Length, long Stale) Open(WireWindow file)
    {
        if (CriuHeader.Read(file.Head(CriuHeader.Size)) is not { } length)
        {
            throw new ImageFormatException(file.Length, $"the file ends after {file.Length} bytes, inside the 8-byte header that CRIU writes first");
        }

        long available = file.Length - CriuHeader.Size;
        if (length > (ulong)available)
        {
            throw new ImageFormatException(file.Length, $"the header says the message has {length} bytes, but only {available} follow it: the file is truncated");
        }

        return (length, available - (long)length);
    }

    /// <summary>The revision whose field meanings are used: the one detected, else the one the fields point to most.</summary>
    internal static CriuRevisions Pick(CriuRevisions detected, CriuRevisions hint)
    {
        if (detected.HasFlag(hint) || detected == CriuRevisions.None)
        {
            return hint;
        }

        foreach (CriuRevisions revision in CriuSchemas.Each)
        {
            if (detected.HasFlag(revision))
            {
                return revision;
            }
        }

        return hint;
    }

    /// <summary>Problems in wire order (a stable sort: those of one offset keep the order they were found in).</summary>
    internal static List<CriuProblem> Sorted(List<CriuProblem> problems)
    {
        if (problems.Count > 1)
        {
            return [.. problems.OrderBy(p => p.ByteOffset)];
        }

        return problems;
    }
}
