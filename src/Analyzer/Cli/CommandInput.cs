using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Input;
using CriuImage.Reporting;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// The one input of decode, show, stats, diff, plan, import and encode, opened the same way for all: a
/// stream (<c>-</c>, a FIFO, <c>&lt;(...)</c>, <c>/dev/stdin</c> of a pipe) is opened once and told by its
/// first bytes; a file or folder is collected by the input layer. Either way the input is one criu-image,
/// streamed (<see cref="IsImage"/>), or what <see cref="Inputs"/> found.
/// </summary>
internal sealed class CommandInput : IDisposable
{
    private readonly StreamInput? _stream;

    /// <summary>A named criu-image, opened once: it is read through this descriptor, never by its path again.</summary>
    private readonly SafeFileHandle? _image;

    private CommandInput(string path, StreamInput? stream, InputSet? inputs, SafeFileHandle? image = null)
    {
        Path = path;
        _stream = stream;
        Inputs = inputs;
        _image = image;
    }

    /// <summary>The path as given, and as messages name it (<c>-</c> for standard input: what the user typed, in every command).</summary>
    public string Path { get; }

    /// <summary>True when the input is a stream read once (<c>-</c>, a FIFO, a pipe), not a file read by position.</summary>
    public bool IsStream => _stream is not null;

    /// <summary>True when the input is one criu-image, read by <see cref="OpenImage"/>.</summary>
    public bool IsImage => Inputs is null;

    /// <summary>What the input holds when it is not one criu-image (a dump, an archive, a CRIU file, or nothing readable).</summary>
    public InputSet? Inputs { get; }

    /// <summary>Opens <paramref name="path"/>; an input that cannot be read is in <see cref="Inputs"/>' unreadable list.</summary>
    /// <exception cref="IOException">A stream could not be opened or read (standard input closed included).</exception>
    /// <param name="path">The path as given, or <c>-</c>.</param>
    /// <param name="std">The standard streams.</param>
    /// <param name="options">How the input layer reads what is not one criu-image.</param>
    /// <param name="oneFile">
    /// True for a command that reads one criu-image and nothing else (stats, diff): a folder is refused as soon as it is
    /// opened, not searched first (a folder of 10^5 files took 10 s to be called a folder).
    /// </param>
    public static CommandInput Open(string path, StandardStreams std, InputOptions? options = null, bool oneFile = false)
    {
        options = (options ?? new InputOptions()) with { Words = std.Words };

        // A named path is opened first and told by what was opened, so it cannot change between a look and the read;
        // one that cannot be opened is said by the input layer, as for every command.
        SafeFileHandle? handle = null;
        uint type = 0;
        if (path != "-")
        {
            try
            {
                (handle, type) = InputPaths.Open(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new CommandInput(path, null, DumpInputs.Collect([path], options, () => Stream.Null));
            }
        }

        if (handle is null || type is not Posix.Regular and not Posix.Directory)
        {
            StreamInput stream = handle is null ? StreamInput.Open(path, std.Input) : StreamInput.Over(path, new FileStream(handle, FileAccess.Read, 1));
            if (stream.IsImage)
            {
                return new CommandInput(path, stream, null);
            }

            using (stream)
            {
                return new CommandInput(path, null, stream.IsEmpty ? Empty(path) : DumpInputs.Settle(stream.Collect(DumpInputs.For(options))));
            }
        }

        if (oneFile && type == Posix.Directory)
        {
            handle.Dispose();
            return new CommandInput(path, null, new InputSet());
        }

        // A regular file that is an image is streamed from disk, whatever its size or path (/dev/fd/N of a file too).
        if (type == Posix.Regular && StartsWithMagic(handle))
        {
            return new CommandInput(path, null, null, handle);
        }

        // Anything else is collected from what was opened (one open per input), never by the path again.
        return new CommandInput(path, null, DumpInputs.CollectOpened(path, handle, type, options));
    }

    /// <summary>The criu-image, streamed (from its first byte, for a stream read once).</summary>
    public ImageReader OpenImage() => ImageReader.Create(OpenImageStream());

    /// <summary>The criu-image's bytes from its first, for readers that take a stream.</summary>
    public Stream OpenImageStream() => _stream?.TakeContent() ?? new FileStream(ImageFile, FileAccess.Read, 1);

    /// <summary>The named criu-image's descriptor, for readers that read it by position; it stays open until this input is disposed.</summary>
    public SafeFileHandle ImageFile => _image is { IsClosed: false } image ? image : throw new InvalidOperationException($"{Path} is not one criu-image opened by name");

    /// <summary>
    /// One line for an input that is not the criu-image a command needs: the first thing that could not be read,
    /// or what the input is instead, with the command that reads it.
    /// </summary>
    public string NotAnImage()
    {
        if (Inputs!.Unreadable is [var unreadable, ..])
        {
            return $"{unreadable.Path}: error: {unreadable.Reason}";
        }

        string what = Directory.Exists(Path) ? "a folder, not a file: this command reads one file ('criu-image verify', 'info', 'decode', 'show' and 'import' take folders)"
            : Inputs.Files is [{ Found: false } file] ? Describe(file) : $"not a criu-image but {Describe(Inputs)}";
        return $"{Path}: error: {what}";
    }

    /// <summary>
    /// The CRIU dumps among <see cref="Inputs"/>, for <c>criu-image VERB</c> (plan, show): each input that could not
    /// be read is said in its own line and each criu-image found beside the dumps is named (<paramref name="does"/>:
    /// what VERB of the file itself does with it); null, after saying why in one line, when there is no dump.
    /// </summary>
    public async Task<InputPlan?> DumpsAsync(string verb, string does, TextWriter error)
    {
        InputSet inputs = Inputs!;
        foreach (UnreadableInput unreadable in inputs.Unreadable)
        {
            await error.WriteLineAsync(Printable.Escape($"{unreadable.Path}: error: {unreadable.Reason}"));
        }

        InputPlan plan = InputPlan.Of(inputs);
        if (plan.Dumps.Count == 0 && inputs.Unreadable.Count == 0 && inputs.Files is [{ Found: false }])
        {
            // One file of no kind this tool reads (notes.txt): say what it is, not that it is an image.
            await error.WriteLineAsync(Printable.Escape(NotAnImage()));
            return null;
        }

        foreach (int image in plan.Images)
        {
            InputFile file = inputs.Files[image];
            await error.WriteLineAsync(Printable.Escape($"{file.Path}: {(file.IsImage ? $"a criu-image: 'criu-image {verb}' of the file itself {does} it" : $"skipped: {Describe(file)}")}"));
        }

        if (plan.Dumps.Count == 0)
        {
            // An input that could not be read has said so in its own line.
            if (inputs.Unreadable.Count == 0)
            {
                await error.WriteLineAsync(Printable.Escape($"{Path}: error: no CRIU amdgpu file found to {verb}"));
            }

            return null;
        }

        return plan;
    }

    /// <summary>What a file that is not a criu-image is, in a phrase that names the command reading it.</summary>
    public static string Describe(InputFile file)
    {
        // Told without reading its values: a KFD image given to stats or diff is named, not read.
        CriuFileKind? kind = file.CriuName?.Kind ?? CriuDumpFile.SniffKind(file);
        if (kind is { } k)
        {
            // import skips a render node with nothing to record and refuses a damaged one: it is offered only where it converts.
            bool converts = k == CriuFileKind.RenderNode && Converts(file, file.CriuName ?? new CriuFileName(k, -1));
            return $"not a criu-image but {KindName(k)}: 'criu-image verify', 'info', 'show' and 'decode' read it{(converts ? ", 'import' converts it" : "")}";
        }

        return NeitherFile.Line(file, CliRemedyWords.Instance);
    }

    /// <summary>Closes a stream or file opened here.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _image?.Dispose();
    }

    /// <summary>Whether import converts the render node <paramref name="file"/>: read to know, its values not held (read again from the file on each pass), since it is only named.</summary>
    private static bool Converts(InputFile file, CriuFileName name)
    {
        using HeldBudget.Scope none = HeldBudget.Share(0);
        return CriuImportPlan.Converts(CriuDumpFile.Read(file, name));
    }

    private static bool StartsWithMagic(SafeFileHandle file)
    {
        Span<byte> head = stackalloc byte[8];
        try
        {
            return RandomAccess.Read(file, head, 0) == head.Length && head.SequenceEqual(Format.Preamble.Magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the input layer says why
        }
    }

    private static string Describe(InputSet inputs) =>
        inputs.Files.Count == 0 ? "nothing this tool reads" : $"{inputs.Files.Count} {(inputs.Files.Count == 1 ? "file" : "files")} of a dump or archive";

    private static string KindName(CriuFileKind kind) => kind switch
    {
        CriuFileKind.KfdImage => "a CRIU amdgpu KFD image (amdgpu-kfd-<id>.img)",
        CriuFileKind.RenderNode => "a CRIU amdgpu render-node image (amdgpu-renderD-<id>.img)",
        CriuFileKind.DmaBuf => "a CRIU amdgpu dma-buf file (amdgpu-dmabuf_<id>.img)",
        CriuFileKind.KfdPages => "a CRIU amdgpu KFD pages file (amdgpu-pages-<id>-<gpu_id>.img)",
        _ => "a CRIU amdgpu BO contents file (amdgpu-drm-pages-<id>-<minor>-<index>.img)",
    };

    private static InputSet Empty(string path)
    {
        var set = new InputSet();
        set.Unreadable.Add(new UnreadableInput(path, "empty: nothing to read"));
        return set;
    }
}
