namespace CriuImage.Analyzer.Cli;

/// <summary>
/// A file system failure in the tool's own words, without .NET's phrasing ("Could not find file '...'",
/// "Access to the path '...' is denied.", "... : '/dev/full'"): the caller puts the file's name in front.
/// </summary>
internal static class IoMessages
{
    /// <summary>What went wrong, in a phrase that does not repeat the path.</summary>
    public static string Of(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such file or folder",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the name is too long",
        _ => WithoutPath(e.Message),
    };

    /// <summary><paramref name="message"/> without the <c> : 'PATH'</c> .NET appends to an errno's text.</summary>
    private static string WithoutPath(string message)
    {
        int quoted = message.LastIndexOf(" : '", StringComparison.Ordinal);
        return quoted > 0 && message.EndsWith('\'') ? message[..quoted] : message;
    }
}
