using CriuImage.IO;

namespace CriuImage.Analyzer.Cli;

/// <summary>Names a file given to the wrong command, so the error says which command reads it.</summary>
internal static class InputKinds
{
    /// <summary>
    /// For an image reader's failure on the magic (byte 0): what the file is instead, as a sentence to append;
    /// empty when it is nothing recognisable or the failure is elsewhere. A criu-image failing at byte 0 (its
    /// preamble damaged) is of the right kind: naming the commands that read it would send the user in a circle.
    /// </summary>
    public static string Hint(string path, ImageFormatException e) =>
        e.ByteOffset == 0 && path != "-" && FileKinds.Describe(path, CliRemedyWords.Instance) is { } kind && !kind.StartsWith(FileKinds.ImageKind, StringComparison.Ordinal)
            ? $" ({kind})"
            : "";
}
