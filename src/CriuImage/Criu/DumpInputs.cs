using System.Runtime.CompilerServices;
using CriuImage.Format;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>
/// What the CRIU reader asks of the input layer: which files it reads and how much of each. CRIU's KFD images and
/// dma-buf nodes, CRIU's <c>pstree.img</c> and <c>core-PID.img</c> (the process tree the restore follows) are read
/// whole; render nodes and criu-images are read by position from their descriptor; pages files by their length
/// and header only; a file named on its own under another name is read whole so its content can tell what
/// it is; anything else is skipped and listed.
/// </summary>
public static class DumpInputs
{
    // Beside the set, not in it: InputSet belongs to the input layer, which knows no CRIU file kinds.
    private static readonly ConditionalWeakTable<InputSet, List<InputFile>> Trees = [];

    /// <summary>The reason listed for a file that is neither.</summary>
    public const string SkipReason = "neither a criu-image nor a CRIU amdgpu file";

    /// <summary>Collects <paramref name="paths"/> (files, folders, archives, OCI images, pod checkpoints, <c>-</c>) for the CRIU and criu-image readers.</summary>
    public static InputSet Collect(IEnumerable<string> paths, InputOptions options, Func<Stream> standardInput)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Settle(InputCollector.Collect(paths, For(options), standardInput));
    }

    /// <summary><see cref="Collect"/> of one input the caller has opened (<see cref="InputPaths.Open"/>), read through <paramref name="handle"/> (taken) rather than opened again.</summary>
    internal static InputSet CollectOpened(string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, uint type, InputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Settle(InputCollector.CollectOpened(path, handle, type, For(options)));
    }

    /// <summary>
    /// Takes CRIU's process-tree files found in folders and archives (<c>pstree.img</c>, <c>core-PID.img</c>, <c>fdinfo-N.img</c>, <c>files.img</c>) out of
    /// <see cref="InputSet.Files"/>: those beside an amdgpu file are kept for <see cref="InputPlan.Of"/>, which reads
    /// them into their dump; the others are listed as skipped, as they were before the restore model read them.
    /// Every command then sees the files it saw before (the input layer knows no CRIU kinds, so this is done here).
    /// </summary>
    public static InputSet Settle(InputSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        List<InputFile> trees = [.. set.Files.Where(f => f.Found && f.Name is { } n && CriuProcessTree.IsTreeFile(n))];
        if (trees.Count == 0)
        {
            return set;
        }

        HashSet<string> dumps = [.. set.Files.Where(f => f.CriuName is not null).Select(f => f.Folder)];
        set.Files.RemoveAll(trees.Contains);
        Trees.AddOrUpdate(set, [.. trees.Where(t => dumps.Contains(t.Folder))]);
        set.Skipped.AddRange(trees.Where(t => !dumps.Contains(t.Folder)).Select(t => new SkippedInput(t.Path, SkipReason, SkipKind.Other)));
        return set;
    }

    /// <summary>The process-tree files <see cref="Settle"/> kept for <paramref name="set"/>.</summary>
    internal static IReadOnlyList<InputFile> TreesOf(InputSet set) => Trees.TryGetValue(set, out List<InputFile>? trees) ? trees : [];

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
        if (criu is { Kind: CriuFileKind.RenderNode or CriuFileKind.KfdImage })
        {
            // Read a field at a time from its descriptor (WireWindow): a render node of 10^6 BOs is 46 MB, a KFD image
            // of 10^6 BOs with a 6.12+ kernel's private data 312 MB; neither is held.
            return InputUse.Stream;
        }

        if (criu is { Kind: CriuFileKind.DmaBuf }
            || (candidate.Name is { } treeName && CriuProcessTree.IsTreeFile(treeName)))
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

        // A file named on its own is told by content: a large one is read from its descriptor (CriuDumpFile.Sniff).
        return !candidate.Named ? InputUse.Skip : candidate.Length > StreamSpool.HeldBytes ? InputUse.Stream : InputUse.Whole;
    }

    extension(InputFile file)
    {
        /// <summary>The CRIU amdgpu file the file's name makes it, or null.</summary>
        public CriuFileName? CriuName => file.Name is { } name ? CriuFileName.Parse(name) : null;
    }
}
