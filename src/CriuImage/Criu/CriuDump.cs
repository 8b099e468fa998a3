using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>Why a CRIU message file could not be read at all.</summary>
public enum CriuDamage
{
    /// <summary>Read.</summary>
    None,

    /// <summary>Shorter than the 8-byte header.</summary>
    TooShort,

    /// <summary>The header gives more bytes than follow it.</summary>
    Truncated,

    /// <summary>The protobuf wire is damaged (a cut varint, a length past the end, an unknown wire type).</summary>
    Wire,
}

/// <summary>One CRIU amdgpu file of a dump, read as far as its kind allows (contents files: by length and header only).</summary>
public sealed class CriuDumpFile
{
    /// <summary>The file as found.</summary>
    public required InputFile Input { get; init; }

    /// <summary>Its kind and numbers.</summary>
    public required CriuFileName Name { get; init; }

    /// <summary>Why it could not be read, if so.</summary>
    public CriuDamage Damage { get; init; }

    /// <summary>The reader's description of <see cref="Damage"/>, with the offset.</summary>
    public InputDamage? DamageDetail { get; init; }

    /// <summary>The header's value (every kind; null when the file is shorter than 8 bytes).</summary>
    public ulong? Header { get; init; }

    /// <summary>A KFD image as read.</summary>
    public CriuMessageFile<CriuKfd>? Kfd { get; init; }

    /// <summary>A render node as read.</summary>
    public CriuMessageFile<CriuRenderNode>? RenderNode { get; init; }

    /// <summary>A dma-buf node as read.</summary>
    public CriuMessageFile<CriuDmabufNode>? Dmabuf { get; init; }

    /// <summary>
    /// The revisions the message fits. A file that says nothing about it fits every revision that writes
    /// its kind: KFD pages files all, drm-pages files criu-dev and d5377d5d2; so does a file that could not be read.
    /// </summary>
    public CriuRevisions Revisions => Kfd?.Revisions ?? RenderNode?.Revisions ?? Dmabuf?.Revisions ?? Name.Kind switch
    {
        CriuFileKind.DrmPages => CriuRevisions.CriuDev | CriuRevisions.D5377d5d2,
        CriuFileKind.DmaBuf => CriuRevisions.CriuDev,
        _ => CriuRevisions.Released | CriuRevisions.CriuDev | CriuRevisions.D5377d5d2,
    };

    /// <summary>Bytes of the file on disk past the header.</summary>
    public long ContentsBytes => Math.Max(0, Input.Length - CriuHeader.Size);

    /// <summary>Reads one file; damage is recorded, not thrown.</summary>
    public static CriuDumpFile Read(InputFile input, CriuFileName name)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(name);
        ulong? header = CriuHeader.Read(input.Content ?? input.Head);
        if (header is null)
        {
            return new CriuDumpFile
            {
                Input = input,
                Name = name,
                Damage = CriuDamage.TooShort,
                DamageDetail = InputDamage.AtByte(input.Length, $"the file ends after {input.Length} bytes, inside the 8-byte header that CRIU writes first"),
            };
        }

        if (name.Kind is CriuFileKind.KfdPages or CriuFileKind.DrmPages)
        {
            return new CriuDumpFile { Input = input, Name = name, Header = header };
        }

        ReadOnlyMemory<byte> content = input.Content ?? throw new ArgumentException("a message file is read with its content", nameof(input));
        if (header > (ulong)(content.Length - CriuHeader.Size))
        {
            return new CriuDumpFile
            {
                Input = input,
                Name = name,
                Header = header,
                Damage = CriuDamage.Truncated,
                DamageDetail = InputDamage.AtByte(content.Length, $"the header says the message has {header} bytes, but only {content.Length - CriuHeader.Size} follow it: the file is truncated"),
            };
        }

        try
        {
            return name.Kind switch
            {
                CriuFileKind.KfdImage => new CriuDumpFile { Input = input, Name = name, Header = header, Kfd = SniffedMessages.Get<CriuMessageFile<CriuKfd>>(content) ?? CriuFileReader.Lax.ReadKfd(content) },
                CriuFileKind.RenderNode => new CriuDumpFile { Input = input, Name = name, Header = header, RenderNode = SniffedMessages.Get<CriuMessageFile<CriuRenderNode>>(content) ?? CriuFileReader.Lax.ReadRenderNode(content) },
                _ => new CriuDumpFile { Input = input, Name = name, Header = header, Dmabuf = CriuFileReader.Lax.ReadDmabuf(content) },
            };
        }
        catch (ImageFormatException e)
        {
            return new CriuDumpFile { Input = input, Name = name, Header = header, Damage = CriuDamage.Wire, DamageDetail = InputDamage.Of(e) };
        }
    }

    /// <summary>
    /// The kind of a message file whose name says nothing, from its content: a KFD image or a criu-dev or
    /// d5377d5d2 render node when the wire fits one. A message of gpu_id alone is a released render node
    /// or a dma-buf node (the same wire), so it is not told: null.
    /// </summary>
    public static CriuFileKind? Sniff(ReadOnlyMemory<byte> content)
    {
        if (!SniffedMessages.TryGet(content, out object? told))
        {
            told = Tell(content);
            SniffedMessages.Keep(content, told);
        }

        return told switch
        {
            CriuMessageFile<CriuKfd> => CriuFileKind.KfdImage,
            CriuMessageFile<CriuRenderNode> => CriuFileKind.RenderNode,
            _ => null,
        };
    }

    /// <summary>The message the content fits, read as <see cref="Read"/> reads it, or <see cref="SniffedMessages.NotTold"/>.</summary>
    private static object Tell(ReadOnlyMemory<byte> content)
    {
        try
        {
            // A render node's entries, read as a KFD image's, would each be a problem: a walk of the top level tells first.
            if (!CriuFileReader.KfdTopMisfits(content) && CriuFileReader.Lax.ReadKfd(content) is { Revisions: not CriuRevisions.None, Problems.Count: 0 } kfd)
            {
                return kfd;
            }

            if (CriuFileReader.Lax.ReadRenderNode(content) is { Revisions: CriuRevisions.CriuDev or CriuRevisions.D5377d5d2, Problems.Count: 0 } node)
            {
                return node;
            }
        }
        catch (ImageFormatException)
        {
            return SniffedMessages.NotTold;
        }

        return SniffedMessages.NotTold;
    }
}

/// <summary>The CRIU amdgpu files of one folder: one dump.</summary>
/// <param name="Folder">The folder, as reports show it.</param>
/// <param name="Files">Its files, in the order found.</param>
public sealed record CriuDump(string Folder, IReadOnlyList<CriuDumpFile> Files)
{
    /// <summary>
    /// Names of CRIU files of this folder that exist but were not read (a symbolic link skipped, a file that
    /// could not be read): not missing, only unknown, so no rule says they are absent.
    /// </summary>
    public IReadOnlySet<string> Unread { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The folder's <c>pstree.img</c> with the task states of its <c>core-PID.img</c> files; null when the dump has none or it could not be read.</summary>
    public CriuProcessTree? ProcessTree { get; init; }

    /// <summary>Why the folder's <c>pstree.img</c> could not be read (with the byte offset), or null.</summary>
    public ImageFormatException? ProcessTreeDamage { get; init; }

    /// <summary>Which task holds which amdgpu file at which descriptor (fdinfo and files images); null when the folder has no fdinfo image.</summary>
    internal TaskFiles? TaskFiles { get; init; }

    /// <summary>Whether a KFD image of the folder is among <see cref="Unread"/>: the GPU map is then unknown, not absent.</summary>
    internal bool KfdImageUnread => Unread.Any(n => CriuFileName.Parse(n)?.Kind == CriuFileKind.KfdImage);

    /// <summary>The revisions every message file of the dump fits (none when they disagree).</summary>
    public CriuRevisions Revisions => Files.Aggregate(CriuRevisions.Released | CriuRevisions.CriuDev | CriuRevisions.D5377d5d2, (all, f) => all & f.Revisions);

    /// <summary>Files of one kind.</summary>
    public IEnumerable<CriuDumpFile> OfKind(CriuFileKind kind) => Files.Where(f => f.Name.Kind == kind);

    /// <summary>The GPU device entries of every readable KFD image.</summary>
    public IEnumerable<KfdDeviceEntry> Gpus => OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is not null).SelectMany(f => f.Kfd!.Message.DeviceEntries).Where(d => d.IsGpu);
}
