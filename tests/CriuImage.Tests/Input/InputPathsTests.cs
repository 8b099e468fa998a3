using System.Net.Sockets;
using CriuImage.Input;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// How an input path that cannot be read is said (<see cref="InputPaths"/>, <see cref="IoMessages"/>): in the
/// tool's own words, without the path, for every errno a path can give and every kind of file that is not
/// read; and a terminal on standard input is refused in one line instead of waiting for typing.
/// </summary>
public sealed class InputPathsTests : TempFolder
{
    private static string Image => Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img");

    [Fact]
    public void PathsThatDoNotResolve_AreSaidByWhatIsWrong()
    {
        if (!Posix.Supported)
        {
            return; // not applicable here: statx and its errno are Linux's
        }

        string loop = Path.Combine(Folder, "loop");
        File.CreateSymbolicLink(loop, loop);
        Assert.Equal("no such file or folder", InputPaths.Problem(Path.Combine(Folder, "missing")));
        Assert.Equal("too many levels of symbolic links (a link loop)", InputPaths.Problem(loop));
        Assert.Equal("the name is too long", InputPaths.Problem(Path.Combine(Folder, new string('n', 300))));
        Assert.Equal("a part of the path is not a folder", InputPaths.Problem(Path.Combine(Image, "x")));
    }

    [Fact]
    public void FilesFoldersPipesAndTheNullDevice_AreRead_OtherDevicesAndSocketsAreNot()
    {
        if (!Posix.Supported)
        {
            return; // not applicable here
        }

        string fifo = Path.Combine(Folder, "fifo");
        CriuFixtures.Run("mkfifo", fifo);
        string socket = Path.Combine(Folder, "socket");
        // Bound for the whole test: .NET removes the socket's file when it closes.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        Assert.Null(InputPaths.Problem(Image));
        Assert.Null(InputPaths.Problem(Folder));
        Assert.Null(InputPaths.Problem(fifo));
        Assert.Null(InputPaths.Problem("/dev/null"));
        Assert.Null(InputPaths.Problem("-"));
        Assert.StartsWith("a character device (1:5), not a file, folder or pipe", InputPaths.Problem("/dev/zero"), StringComparison.Ordinal);
        Assert.StartsWith("a character device (1:9)", InputPaths.Problem("/dev/urandom"), StringComparison.Ordinal);
        Assert.StartsWith("a socket, not a file", InputPaths.Problem(socket), StringComparison.Ordinal);
        Assert.Throws<IOException>(() => InputPaths.OpenRead("/dev/zero").Dispose());
    }

    [Fact]
    public void ErrnosOfCallsThatFailAfterTheOpen_AreSaidInOurWords()
    {
        // .NET makes an IOException whose HResult is the errno (EIO 5, ELOOP 40, ENXIO 6) with its text and the path.
        Assert.Equal("input/output error (the device or file system failed)", IoMessages.Of(new IOException("Input/output error : '/x'", 5)));
        Assert.Equal("too many levels of symbolic links (a link loop)", IoMessages.Of(new IOException("Too many levels of symbolic links : '/x'", 40)));
        Assert.StartsWith("no such device or address", IoMessages.Of(new IOException("No such device or address : '/x'", 6)), StringComparison.Ordinal);
        // One phrase per cause, whichever layer met it: .NET's exception types say what the errno says.
        Assert.Equal(IoMessages.OfErrno(Posix.Eacces), IoMessages.Of(new UnauthorizedAccessException("Access to the path '/x' is denied.")));
        Assert.Equal(IoMessages.OfErrno(Posix.Enoent), IoMessages.Of(new FileNotFoundException("Could not find file '/x'.")));
        Assert.Equal(IoMessages.OfErrno(Posix.Enoent), IoMessages.Of(new DirectoryNotFoundException("Could not find a part of the path '/x/y'.")));
        Assert.Equal("permission denied", IoMessages.OfErrno(Posix.Eacces));
        Assert.Equal("no such file or folder", IoMessages.OfErrno(Posix.Enoent));
    }

    [Fact]
    public async Task ATerminalOnStandardInput_IsRefusedInOneLine_NotWaitedOn()
    {
        if (!Posix.Supported || !File.Exists("/usr/bin/script"))
        {
            return; // not applicable here: script(1) gives the command a pseudo-terminal
        }

        // script runs the commands on a pseudo-terminal; each would wait for typing if it read it.
        string[] runs = ["verify -", "decode /dev/stdin", "show -", "encode - -o " + CliProcess.Quote(Path.Combine(Folder, "x.img"))];
        string commands = string.Join("; ", runs.Select(c => $"\"$CLI\" {c}; echo \"exit $?\""));
        (_, string output, _) = await CliProcess.Bash($"timeout 60 script -qec {CliProcess.Quote(commands)} /dev/null");
        string[] lines = [.. output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains("error", StringComparison.Ordinal) || l.StartsWith("exit", StringComparison.Ordinal))];
        Assert.Equal(4, lines.Count(l => l == "exit 2"));
        Assert.Contains(lines, l => l.EndsWith("/dev/stdin: error: a terminal, not a file or pipe: name a file, or pipe the input in", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.EndsWith("-: error: standard input is a terminal, not a file or pipe: name a file, or pipe the input in", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("error", StringComparison.Ordinal) && l.EndsWith("CRI001: standard input is a terminal, not a file or pipe: name a file, or pipe the input in", StringComparison.Ordinal));
    }
}
