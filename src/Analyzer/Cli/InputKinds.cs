using CriuImage.IO;

namespace CriuImage.Analyzer.Cli;

/// <summary>Names a file given to the wrong command, so the error says which command reads it.</summary>
internal static class InputKinds
{
    /// <summary>
    /// For an image reader's failure on the magic (byte 0): what the file is instead, as a sentence to append;
    /// empty when it is nothing recognisable or the failure is elsewhere.
    /// </summary>
    public static string Hint(string path, ImageFormatException e) =>
        e.ByteOffset == 0 && path != "-" && FileKinds.Describe(path, CliRemedyWords.Instance) is { } kind ? $" ({kind})" : "";
}
