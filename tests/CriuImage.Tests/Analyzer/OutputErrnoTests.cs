using System.Diagnostics;
using CriuImage.Abi;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// An output that the file system refuses mid-write (ENOSPC, EROFS, EFBIG ...) is said in one line in the tool's
/// words, under the output's name (never the temporary file's), exit status 2, and nothing is left behind: an
/// older file at the path keeps its content and no temporary file remains (issue 20, "one behaviour across
/// commands"). A full or read-only file system is a tmpfs mounted in a mount namespace of a user namespace
/// (<c>unshare -rm</c>, no root needed where the kernel allows unprivileged user namespaces); the file size
/// limit is <c>ulimit -f</c>. EDQUOT needs a quota, which this machine's kernel cannot give a tmpfs (no
/// CONFIG_TMPFS_QUOTA): its phrase is checked with the others' in the table.
/// </summary>
public sealed class OutputErrnoTests : TempFolder
{
    private static readonly string V8 = Path.Combine(RepoPaths.Fixtures, "criu-v8.img");
    private static readonly string V8Json = Path.Combine(RepoPaths.Fixtures, "criu-v8.json");
    private static readonly string RenderNode = Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-renderD-7.img");

    public static TheoryData<string, string> Writers => new()
    {
        { "decode", V8 },
        { "encode", V8Json },
        { "import", RenderNode },
    };

    /// <summary>A file system with no space left: ENOSPC on the unnamed temporary file, said under -o's name.</summary>
    [MountNamespaceTheory]
    [MemberData(nameof(Writers))]
    public async Task FullFileSystem_OneLineUnderTheOutputsName_OldFileKept_NothingLeft(string command, string input)
    {
        var (code, output, error) = await InTmpfs("dd if=/dev/zero of=\"$D/filler\" bs=4k 2>/dev/null", command, input);
        Assert.Equal(($"criu-image: error: cannot write {Mount}/out: no space left on the file system\n", 2), (error, code));
        Assert.Equal("filler out\nold", output);
    }

    /// <summary>import of a dump into a folder it creates on a full file system: one line, and the folder it made goes again.</summary>
    [MountNamespaceFact]
    public async Task FullFileSystem_ImportIntoANewFolder_LeavesNoFolder()
    {
        string dump = Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev");
        Directory.CreateDirectory(Mount);
        string script = $"D={CliProcess.Quote(Mount)}; mount -t tmpfs -o size=64k tmpfs \"$D\" || exit 97; dd if=/dev/zero of=\"$D/filler\" bs=4k 2>/dev/null; "
            + $"\"$CLI\" import {CliProcess.Quote(dump)} -o \"$D/images\"; code=$?; echo $(ls -A \"$D\"); exit $code";
        var (code, output, error) = await CliProcess.Bash($"exec unshare -rm bash -c {CliProcess.Quote(script)}");
        Assert.Equal(($"criu-image: error: cannot write {Mount}/images/amdgpu-renderD-7.cimg: no space left on the file system\n", 2), (error, code));
        Assert.Equal("filler\n", output);
    }

    /// <summary>A read-only file system: EROFS, said as such, the older file kept.</summary>
    [MountNamespaceTheory]
    [MemberData(nameof(Writers))]
    public async Task ReadOnlyFileSystem_OneLineUnderTheOutputsName_OldFileKept(string command, string input)
    {
        var (code, output, error) = await InTmpfs("mount -o remount,ro \"$D\"", command, input);
        Assert.Equal(($"criu-image: error: cannot write {Mount}/out: the file system is mounted read-only\n", 2), (error, code));
        Assert.Equal("out\nold", output);
    }

    /// <summary>
    /// Past the file size limit (SIGXFSZ ignored, as a shell's trap leaves it): .NET raises EFBIG as an
    /// ArgumentOutOfRangeException, which used to reach the user as "unexpected"; now one line, and no file.
    /// The JIT's double mapping of code needs a file the limit refuses, so W^X is off for this run.
    /// </summary>
    [Fact]
    public async Task FileSizeLimit_OneLineUnderTheOutputsName_NoTemporaryFileLeft()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        string big = Path.Combine(Folder, "big.img");
        ImageHeader header = new(AbiRevision.CriuV8);
        await File.WriteAllBytesAsync(big, await Images.WriteAsync(header, Images.Large(4)));
        string output = Path.Combine(Folder, "out.json");
        var (code, _, error) = await CliProcess.Bash($"trap '' XFSZ; ulimit -f 8; DOTNET_EnableWriteXorExecute=0 exec \"$CLI\" decode {CliProcess.Quote(big)} -o {CliProcess.Quote(output)}");
        Assert.Equal(($"criu-image: error: cannot write {output}: too large: past the file system's largest file or this process's file size limit (ulimit -f)\n", 2), (error, code));
        Assert.Equal(["big.img"], Directory.GetFileSystemEntries(Folder).Select(Path.GetFileName));
    }

    /// <summary>Every errno an output may meet has a phrase of ours (not the C library's text) and the path is never in it.</summary>
    [Theory]
    [InlineData(Posix.Enospc)]
    [InlineData(Posix.Edquot)]
    [InlineData(Posix.Efbig)]
    [InlineData(Posix.Erofs)]
    [InlineData(Posix.Eio)]
    [InlineData(Posix.Etxtbsy)]
    [InlineData(Posix.Emfile)]
    [InlineData(Posix.Enfile)]
    [InlineData(Posix.Ebusy)]
    [InlineData(Posix.Epipe)]
    [InlineData(Posix.Enomem)]
    [InlineData(Posix.Estale)]
    [InlineData(Posix.Exdev)]
    [InlineData(Posix.Enodev)]
    public void EveryOutputErrno_HasAPhraseOfOurs(int errno)
    {
        string phrase = IoMessages.OfErrno(errno);
        Assert.NotEqual(Posix.Describe(errno), phrase);
        Assert.Equal(phrase, IoMessages.Of(new IOException("/some/.out.0123.tmp: whatever", errno)));
        Assert.DoesNotContain('\n', phrase);
        Assert.True(char.IsLower(phrase[0]), phrase);
    }

    /// <summary>Where the tmpfs is mounted inside the namespace (a folder of this test's own).</summary>
    private string Mount => Path.Combine(Folder, "mnt");

    /// <summary>
    /// Mounts a 64 KiB tmpfs at <see cref="Mount"/> in a new user and mount namespace, writes "old" to its file
    /// <c>out</c>, runs <paramref name="prepare"/> ($D is the mount), then <c>criu-image COMMAND INPUT -o $D/out</c>;
    /// its exit status and standard error, and as output the folder's entries and the file's content after.
    /// </summary>
    private async Task<(int Code, string Output, string Error)> InTmpfs(string prepare, string command, string input)
    {
        Directory.CreateDirectory(Mount);
        string script = $"D={CliProcess.Quote(Mount)}; mount -t tmpfs -o size=64k tmpfs \"$D\" || exit 97; printf old > \"$D/out\"; {prepare}; "
            + $"\"$CLI\" {command} {CliProcess.Quote(input)} -o \"$D/out\"; code=$?; echo $(ls -A \"$D\"); cat \"$D/out\"; exit $code";
        return await CliProcess.Bash($"exec unshare -rm bash -c {CliProcess.Quote(script)}");
    }
}

/// <summary>A fact that needs <c>unshare -rm</c>, as <see cref="MountNamespaceTheoryAttribute"/>.</summary>
public sealed class MountNamespaceFactAttribute : FactAttribute
{
    public MountNamespaceFactAttribute()
    {
        Skip = MountNamespaceTheoryAttribute.Refused is { } why ? $"no user and mount namespace to mount a tmpfs in (unshare -rm: {why})" : null;
    }
}

/// <summary>A theory that needs <c>unshare -rm</c> (a user and mount namespace, to mount a tmpfs without root): skipped, saying why, where the kernel refuses it.</summary>
public sealed class MountNamespaceTheoryAttribute : TheoryAttribute
{
    /// <summary>Why <c>unshare -rm</c> cannot be used here, or null when it can.</summary>
    internal static readonly string? Refused = Probe();

    public MountNamespaceTheoryAttribute()
    {
        if (Refused is not null)
        {
            Skip = $"no user and mount namespace to mount a tmpfs in (unshare -rm: {Refused})";
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }

        var start = new ProcessStartInfo("unshare", ["-rm", "true"]) { UseShellExecute = false, RedirectStandardError = true };
        try
        {
            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : error.Trim();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}
