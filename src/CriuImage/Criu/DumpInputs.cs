using CriuImage.Format;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>
/// What the CRIU reader asks of the input layer: which files it reads and how much of each. CRIU's message
/// files (KFD image, render node, dma-buf node) and criu-images are read whole; pages files by their length
/// and header only; a file named on its own under another name is read whole so its content can tell what
/// it is; anything else is skipped and listed.
/// </summary>
public static class DumpInputs
{
    /// <summary>The reason listed for a file that is neither.</summary>
    public const string SkipReason = "neither a criu-image nor a CRIU amdgpu file";

    /// <summary>Collects <paramref name="paths"/> (files, folders, archives, OCI images, pod checkpoints, <c>-</c>) for the CRIU and criu-image readers.</summary>
    public static InputSet Collect(IEnumerable<string> paths, InputOptions options, Func<Stream> standardInput)
    {
        ArgumentNullException.ThrowIfNull(options);
        return InputCollector.Collect(paths, For(options), standardInput);
    }

    /// <summary><paramref name="options"/> with this reader's choice of files.</summary>
    public static InputOptions For(InputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Use = Use, SkipReason = SkipReason };
    }

    /// <summary>How much of a file the readers need.</summary>
    internal static InputUse Use(InputCandidate candidate)
    {
        CriuFileName? criu = candidate.Name is { } name ? CriuFileName.Parse(name) : null;
        if (criu is { Kind: CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf })
        {
            return InputUse.Whole;
        }

        bool image = candidate.Head is { } head && head.AsSpan().StartsWith(Preamble.Magic);
        if (image)
        {
            return InputUse.Stream;
        }

        if (criu is not null)
        {
            return InputUse.Head;
        }

        return candidate.Named ? InputUse.Whole : InputUse.Skip;
    }

    extension(InputFile file)
    {
        /// <summary>The CRIU amdgpu file the file's name makes it, or null.</summary>
        public CriuFileName? CriuName => file.Name is { } name ? CriuFileName.Parse(name) : null;
    }
}
