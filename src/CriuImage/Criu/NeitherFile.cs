using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Input;
using CriuImage.IO;

namespace CriuImage.Criu;

/// <summary>
/// A file given to a command that neither the criu-image reader nor the CRIU reader reads (a text file, a tar of
/// something else): every command says it in the same words, whether it would have handed the file to the image
/// reader (info, verify) or looked for a dump in it (plan, show, decode, stats).
/// </summary>
internal static class NeitherFile
{
    /// <summary>
    /// True when <paramref name="file"/>, planned as an image, has bytes that do not start with the criu-image magic:
    /// the image reader would fail at byte 0, and no CRIU kind was told from it either. An empty file is left to the
    /// image reader, which says it is empty.
    /// </summary>
    public static bool Is(InputFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.CriuName is not null)
        {
            return false;
        }

        try
        {
            ReadOnlySpan<byte> head = file.HeadBytes(Preamble.Magic.Length);
            return head.Length > 0 && !head.StartsWith(Preamble.Magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the reader says why it cannot be read
        }
    }

    /// <summary>The words for such a file: what it looks like and what reads it where that is known (<paramref name="words"/>), else <see cref="DumpInputs.SkipReason"/>.</summary>
    public static string Line(InputFile file, RemedyWords words)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (CutLine(file) is { } cut)
        {
            return cut;
        }

        string? hint = file.Content is not null || file.Opened is not null ? FileKinds.Describe(file.HeadBytes(FileKinds.HeadSize), file.Length, words) : null;
        return hint is null ? DumpInputs.SkipReason : $"not a criu-image ({hint})";
    }

    /// <summary>
    /// The words for a CRIU amdgpu file cut before the fields that tell a KFD image from a render node
    /// (<see cref="DamagedCriuFile.CutUntold"/>), or null for any other file: what a command that reads one kind says
    /// of it instead of "not that kind".
    /// </summary>
    public static string? CutLine(InputFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        WireWindow? window = file.Content is { } content ? WireWindow.Of(content)
            : file.Opened is { } opened ? WireWindow.Over(opened.SafeFileHandle, file.Length, owner: opened)
            : null;
        return window is null ? null : Cut(window);
    }

    private static string? Cut(WireWindow window)
    {
        try
        {
            return DamagedCriuFile.CutUntold(window);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the reader says why it cannot be read
        }
    }
}
