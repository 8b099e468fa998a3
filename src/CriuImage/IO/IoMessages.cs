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

        // Failures of a write, said as what the user can act on (for outputs, under the output's own name).
        Posix.Enospc => "no space left on the file system",
        Posix.Edquot => "the user's disk quota on the file system is used up",
        Posix.Efbig => "too large: past the file system's largest file or this process's file size limit (ulimit -f)",
        Posix.Erofs => "the file system is mounted read-only",
        Posix.Etxtbsy => "a program being run from that file (text file busy)",
        Posix.Emfile => "too many files open in this process (ulimit -n)",
        Posix.Enfile => "too many files open on the system",
        Posix.Ebusy => "busy: in use by the system (a mount point, or a device held open exclusively)",
        Posix.Epipe => "the reading end was closed (a pipe or socket with no reader)",
        Posix.Enomem => "out of memory in the kernel",
        Posix.Estale => "a stale file handle (the file was removed on the network file system's server)",
        Posix.Exdev => "on another file system than its temporary file",
        Posix.Enodev => "no such device (the device's driver is not loaded)",
        _ => Posix.Describe(errno),
    };

    /// <summary><paramref name="message"/> without the <c> : 'PATH'</c> .NET appends to an errno's text.</summary>
    private static string WithoutPath(string message)
    {
        int quoted = message.LastIndexOf(" : '", StringComparison.Ordinal);
        return quoted > 0 && message.EndsWith('\'') ? message[..quoted] : message;
    }
}
