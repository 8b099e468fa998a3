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

    /// <summary>
    /// The file's own name, the one every report says it by and every lookup in its dump keys it by: its name in its
    /// folder or archive where that is CRIU's name for it (the name CRIU opens beside the others), else the input as
    /// given (<c>-</c>, <c>/dev/fd/63</c>, a file under another name). Never the base name of the path: in a tar
    /// holding the dump at its root that is <c>x.tar:amdgpu-kfd-5.img</c>, which names no file CRIU opens, and the
    /// base name of <c>/dev/fd/63</c> is <c>63</c>, which names nothing.
    /// </summary>
    internal string FileName => _fileName ??= Input.Name is { } name && CriuFileName.Parse(name) is not null ? name : Input.Path;

    private string? _fileName;

    /// <summary>Why it could not be read, if so.</summary>
    public CriuDamage Damage { get; init; }

    /// <summary>The reader's description of <see cref="Damage"/>, with the offset.</summary>
    public InputDamage? DamageDetail { get; init; }

    /// <summary>
    /// Why CRIU cannot read the file: its <see cref="DamageDetail"/>, or else the first thing protobuf-c's unpack
    /// refuses in a message the lenient reader did read (a wrong wire type, a required field missing): the restore
    /// fails on either, so every command treats both as damage. Null when CRIU reads it.
    /// </summary>
    internal InputDamage? UnreadableToCriu =>
        DamageDetail ?? ((Kfd?.Problems ?? RenderNode?.Problems ?? Dmabuf?.Problems)?.FirstOrDefault(p => p.Kind == CriuProblemKind.Unpack) is { } refused
            ? InputDamage.AtByte(refused.ByteOffset, refused.Message)
            : null);

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

        long length = input.Content?.Length ?? input.Length;
        if (header > (ulong)(length - CriuHeader.Size))
        {
            return new CriuDumpFile
            {
                Input = input,
                Name = name,
                Header = header,
                Damage = CriuDamage.Truncated,
                DamageDetail = InputDamage.AtByte(length, $"the header says the message has {header} bytes, but only {length - CriuHeader.Size} follow it: the file is truncated"),
            };
        }

        if (Sniffed<DamagedCriuFile>(input) is { } damaged)
        {
            // Told by its shape, its wire damaged: the reader's words, as when the file is named.
            return new CriuDumpFile { Input = input, Name = name, Header = header, Damage = CriuDamage.Wire, DamageDetail = InputDamage.Of(damaged.Error) };
        }

        try
        {
            return name.Kind switch
            {
                CriuFileKind.KfdImage => new CriuDumpFile { Input = input, Name = name, Header = header, Kfd = Sniffed<CriuMessageFile<CriuKfd>>(input) ?? Windowed(input, CriuFileReader.Lax.ReadKfd) },
                CriuFileKind.RenderNode => new CriuDumpFile { Input = input, Name = name, Header = header, RenderNode = Sniffed<CriuMessageFile<CriuRenderNode>>(input) ?? Windowed(input, CriuFileReader.Lax.ReadRenderNode) },
                _ => new CriuDumpFile { Input = input, Name = name, Header = header, Dmabuf = CriuFileReader.Lax.ReadDmabuf(ContentOf(input)) },
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
            told = Tell(WireWindow.Of(content));
            SniffedMessages.Keep(content, told);
        }

        return KindOf(told);
    }

    /// <summary><see cref="Sniff(ReadOnlyMemory{byte})"/> of a file found in the inputs: its content, or read from its descriptor where it is not held; null for a file of neither.</summary>
    internal static CriuFileKind? Sniff(InputFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Content is { } content)
        {
            return Sniff(content);
        }

        if (file.IsImage || file.Opened is not { } opened)
        {
            return null;
        }

        if (!SniffedMessages.TryGet(file, out object? told))
        {
            // Either kind is read a field at a time, a KFD image's private data left in the file.
            told = Tell(WireWindow.Over(opened.SafeFileHandle, file.Length, owner: opened));
            SniffedMessages.Keep(file, told);
        }

        return KindOf(told);
    }

    /// <summary>
    /// The kind of a file found in the inputs, told without reading its values, for a command that only names it: a file
    /// of up to <see cref="KindFromPrefix.PrefixBytes"/> as <see cref="Sniff(InputFile)"/> tells it, a larger one by the
    /// keys of its first fields (<see cref="KindFromPrefix"/>; damage past them, which a read would find, is not looked for).
    /// </summary>
    internal static CriuFileKind? SniffKind(InputFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.IsImage || (file.Content?.Length ?? file.Length) <= KindFromPrefix.PrefixBytes)
        {
            return Sniff(file);
        }

        return file.Content is { } content ? KindFromPrefix.Of(WireWindow.Of(content))
            : file.Opened is { } opened ? KindFromPrefix.Of(WireWindow.Over(opened.SafeFileHandle, file.Length, KindFromPrefix.PrefixBytes, opened))
            : null;
    }

    private static CriuFileKind? KindOf(object told) => told switch
    {
        CriuMessageFile<CriuKfd> => CriuFileKind.KfdImage,
        CriuMessageFile<CriuRenderNode> => CriuFileKind.RenderNode,
        DamagedCriuFile damaged => damaged.Kind,
        _ => null,
    };

    /// <summary>A message an earlier sniff read from <paramref name="input"/>, or null.</summary>
    private static T? Sniffed<T>(InputFile input)
        where T : class =>
        input.Content is { } content ? SniffedMessages.Get<T>(content) : SniffedMessages.TryGet(input, out object? told) ? told as T : null;

    private static ReadOnlyMemory<byte> ContentOf(InputFile input) =>
        input.Content ?? throw new ArgumentException("a message file is read with its content", nameof(input));

    /// <summary>A KFD image or render node, read from its content where it is held, else a field at a time from its descriptor or its file (a KFD image's private data read from there again when walked).</summary>
    private static T Windowed<T>(InputFile input, Func<WireWindow, T> read)
    {
        if (input.Content is { } content)
        {
            return read(WireWindow.Of(content));
        }

        if (input.Opened is { } opened)
        {
            return read(WireWindow.Over(opened.SafeFileHandle, input.Length, owner: opened));
        }

        string path = input.DiskPath ?? throw new ArgumentException("a message file is read with its content or from its file", nameof(input));
        try
        {
            // Left open: a render node reads its entries again from it on each pass (RenderNodeBos), a KFD image its private
            // data on each walk of the kernel's restore (KfdPrivateBytes); it closes with what was read from it.
            Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            return read(WireWindow.Over(handle, input.Length));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(0, $"the file cannot be read: {IO.IoMessages.Of(e)}");
        }
    }

    /// <summary>
    /// The message the file fits, read as <see cref="Read"/> reads it, or <see cref="SniffedMessages.NotTold"/>. A file
    /// that fits a kind cleanly is told first; a criu-dev or d5377d5d2 render node with fields protobuf-c would refuse is
    /// still told by its structure, so its damage is said as it is when the file is named (its name telling its kind).
    /// </summary>
    private static object Tell(WireWindow file)
    {
        // A render node's entries, read as a KFD image's, would each be a problem: a walk of the top level tells first.
        CriuMessageFile<CriuKfd>? kfd = Quietly(() => CriuFileReader.KfdTopMisfits(file) ? null : CriuFileReader.Lax.ReadKfd(file));
        if (kfd is { Revisions: not CriuRevisions.None, Problems.Count: 0 })
        {
            return kfd;
        }

        CriuMessageFile<CriuRenderNode>? node = Quietly(() => CriuFileReader.Lax.ReadRenderNode(file));
        bool isNode = node is { Revisions: CriuRevisions.CriuDev or CriuRevisions.D5377d5d2 };
        if (isNode && node!.Problems.Count == 0)
        {
            return node;
        }

        // A KFD image's schema fits a released render node (gpu_id alone) with problems, and a render node's a KFD image
        // with a problem per field: a damaged file is told by its shape, else taken as the render node it fits.
        return Quietly(() => DamagedCriuFile.Tell(file)) ?? (isNode ? node! : SniffedMessages.NotTold);
    }

    private static T? Quietly<T>(Func<T?> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (ImageFormatException)
        {
            return null;
        }
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

    /// <summary>A process image that stops CRIU's restore before any amdgpu file is restored (CRI350-CRI352); null when none does.</summary>
    internal ProcessImageFailure? ProcessFailure { get; init; }

    /// <summary>Whether a KFD image of the folder is among <see cref="Unread"/>: the GPU map is then unknown, not absent.</summary>
    internal bool KfdImageUnread => Unread.Any(n => CriuFileName.Parse(n)?.Kind == CriuFileKind.KfdImage);

    /// <summary>The revisions every message file of the dump fits (none when they disagree).</summary>
    public CriuRevisions Revisions => Files.Aggregate(CriuRevisions.Released | CriuRevisions.CriuDev | CriuRevisions.D5377d5d2, (all, f) => all & f.Revisions);

    /// <summary>Files of one kind.</summary>
    public IEnumerable<CriuDumpFile> OfKind(CriuFileKind kind) => Files.Where(f => f.Name.Kind == kind);

    /// <summary>The GPU device entries of every readable KFD image.</summary>
    public IEnumerable<KfdDeviceEntry> Gpus => OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is not null).SelectMany(f => f.Kfd!.Message.DeviceEntries).Where(d => d.IsGpu);
}
