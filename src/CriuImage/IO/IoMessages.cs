namespace CriuImage.IO;

/// <summary>
/// A file system failure in the tool's own words, without .NET's phrasing ("Could not find file '...'",
/// "Access to the path '...' is denied.", "... : '/dev/full'"): the caller puts the file's name in front.
/// Inputs and outputs are said the same way.
/// </summary>
internal static class IoMessages
{
    /// <summary>What went wrong, in a phrase that does not repeat the path.</summary>
    public static string Of(Exception e) => e switch
    {
        FileNotFoundException => OfErrno(Posix.Enoent),
        DirectoryNotFoundException => OfErrno(Posix.Enoent),
        UnauthorizedAccessException => OfErrno(Posix.Eacces),
        PathTooLongException => "the name is too long",

        // On Linux .NET puts the errno in HResult of the IOException it makes for a failed call.
        IOException { HResult: > 0 and < 4096 } io => OfErrno(io.HResult),
        _ => WithoutPath(e.Message),
    };

    /// <summary>What a failed system call's <paramref name="errno"/> means for a path, in a phrase that does not repeat it.</summary>
    public static string OfErrno(int errno) => errno switch
    {
        Posix.Enoent => "no such file or folder",
        Posix.Eperm or Posix.Eacces => "permission denied",
        Posix.Enotdir => "a part of the path is not a folder",
        Posix.Eisdir => "a folder, not a file",
        Posix.Enametoolong => "the name is too long",
        Posix.Eloop => "too many levels of symbolic links (a link loop)",
        Posix.Enxio => "no such device or address (a socket, or a device without its driver, cannot be opened)",
        Posix.Eio => "input/output error (the device or file system failed)",
        _ => Posix.Describe(errno),
    };

    /// <summary><paramref name="message"/> without the <c> : 'PATH'</c> .NET appends to an errno's text.</summary>
    private static string WithoutPath(string message)
    {
        int quoted = message.LastIndexOf(" : '", StringComparison.Ordinal);
        return quoted > 0 && message.EndsWith('\'') ? message[..quoted] : message;
    }
}
