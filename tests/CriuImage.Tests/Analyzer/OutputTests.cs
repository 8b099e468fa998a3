using System.Diagnostics;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// <c>-o</c> never destroys what is at the path: a regular file is replaced atomically (mode and owner
/// kept), a device or FIFO is written through, a link is followed, anything else is refused; <c>-</c> is
/// standard input or output. Each test reproduces a problem of issue 12 (docs/reliability.md).
/// </summary>
public sealed class OutputTests : TempFolder
{
    private static readonly string V8 = Path.Combine(RepoPaths.Fixtures, "criu-v8.img");
    private static readonly string V8Json = Path.Combine(RepoPaths.Fixtures, "criu-v8.json");

    [Fact]
    public async Task DevNull_IsWrittenThrough_AndStaysADevice()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        (int code, _, string error) = await Cli.Run("decode", V8, "-o", "/dev/null");
        Assert.Equal((0, ""), (code, error));
        Assert.True(IsCharacterDevice("/dev/null"));
    }

    [Fact]
    public async Task DevFull_ReportsNoSpace_WithExitCode2()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        (int code, _, string error) = await Cli.Run("decode", V8, "-o", "/dev/full");
        Assert.Equal(2, code);
        Assert.Contains("cannot write /dev/full: no space left on the file system", error, StringComparison.Ordinal);
        Assert.Single(Lines(error));
        Assert.True(IsCharacterDevice("/dev/full"));
    }

    [Fact]
    public async Task Fifo_IsWrittenThrough_AndStaysAFifo()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        string fifo = Path.Combine(Folder, "pipe");
        Run("mkfifo", fifo);
        Task<byte[]> reader = Task.Run(() => File.ReadAllBytes(fifo));
        (int code, _, string error) = await Cli.Run("decode", V8, "-o", fifo);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(File.ReadAllBytes(V8Json), await reader);
        Assert.Equal("fifo", FileType(fifo));
    }

    [Fact]
    public async Task Symlink_IsFollowed_TheLinkStays_AndTheTargetKeepsItsMode()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        string elsewhere = Directory.CreateDirectory(Path.Combine(Folder, "elsewhere")).FullName;
        string target = Path.Combine(elsewhere, "real.json");
        File.WriteAllText(target, "old");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string link = Path.Combine(Folder, "link.json");
        File.CreateSymbolicLink(link, target);
        (int code, _, string error) = await Cli.Run("decode", V8, "-o", link);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal(File.ReadAllBytes(V8Json), File.ReadAllBytes(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(target));
        Assert.Single(Directory.GetFiles(elsewhere));
    }

    [Fact]
    public async Task ReplacedFile_KeepsItsOwner()
    {
        if (!(OperatingSystem.IsLinux() && Environment.UserName == "root"))
        {
            return; // not applicable here
        }

        string target = Path.Combine(Folder, "owned.img");
        File.WriteAllText(target, "old");
        Run("chown", "65534:65534", target);
        Assert.Equal(0, (await Cli.Run("encode", V8Json, "-o", target)).Code);
        Assert.Equal("65534:65534", Run("stat", "-c", "%u:%g", target).Trim());
        Assert.Equal(Images.Fixture("criu-v8"), File.ReadAllBytes(target));
    }

    [Theory]
    [InlineData("/")]
    [InlineData(".")]
    public async Task Folder_IsRefused_InOneLine(string output)
    {
        (int code, _, string error) = await Cli.Run("decode", V8, "-o", output);
        Assert.Equal(2, code);
        Assert.Contains("is a folder", error, StringComparison.Ordinal);
        Assert.Single(Lines(error));
    }

    [Fact]
    public async Task MissingFolder_IsNamed_InOneLine()
    {
        string target = Path.Combine(Folder, "absent", "x.json");
        (int code, _, string error) = await Cli.Run("decode", V8, "-o", target);
        Assert.Equal(2, code);
        Assert.Equal($"criu-image: error: cannot write {target}: no such folder: {Path.GetDirectoryName(target)}\n", error);
    }

    [Fact]
    public async Task BlockDevice_IsRefused()
    {
        string? device = Directory.Exists("/dev") ? Directory.EnumerateFileSystemEntries("/dev", "loop*").FirstOrDefault(d => FileType(d) == "block special file") : null;
        if (device is null)
        {
            return; // not applicable here
        }

        (int code, _, string error) = await Cli.Run("decode", V8, "-o", device!);
        Assert.Equal(2, code);
        Assert.Contains("is a block device", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(218)]
    [InlineData(255)]
    public async Task NamesUpToNameMax_AreWritten(int length)
    {
        string name = new string('n', length - 4) + ".img";
        string target = Path.Combine(Folder, name);
        (int code, _, string error) = await Cli.Run("encode", V8Json, "-o", target);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(Images.Fixture("criu-v8"), File.ReadAllBytes(target));
        Assert.Single(Directory.GetFiles(Folder));
    }

    [Fact]
    public void TemporaryName_FitsNameMax_AndKeepsWholeCharacters()
    {
        string name = string.Concat(Enumerable.Repeat("é", 127)) + "x"; // 255 bytes of UTF-8
        string temporary = OutputFile.TemporaryName(name);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(temporary), 1, 255);
        Assert.StartsWith("." + string.Concat(Enumerable.Repeat("é", 50)) + ".", temporary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HardLinkToTheInput_IsRefused_ByIdentity()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        string input = Path.Combine(Folder, "in.img");
        string other = Path.Combine(Folder, "other-name.img");
        File.Copy(V8, input);
        Run("ln", input, other);
        (int code, _, string error) = await Cli.Run("decode", input, "-o", other);
        Assert.Equal(2, code);
        Assert.Contains("is the input itself", error, StringComparison.Ordinal);
        Assert.Equal(Images.Fixture("criu-v8"), File.ReadAllBytes(input));
    }

    [Fact]
    public async Task SymlinkToTheInput_IsRefused_ByIdentity()
    {
        string input = Path.Combine(Folder, "in.img");
        string link = Path.Combine(Folder, "link.img");
        File.Copy(V8, input);
        File.CreateSymbolicLink(link, input);
        (int code, _, string error) = await Cli.Run("decode", input, "-o", link);
        Assert.Equal(2, code);
        Assert.Contains("is the input itself", error, StringComparison.Ordinal);
        Assert.Equal(Images.Fixture("criu-v8"), File.ReadAllBytes(input));
    }

    [Theory]
    [InlineData("decode", "in.img", "in.img")]
    [InlineData("decode", "in.img", "link.img")]
    [InlineData("encode", "in.json", "in.json")]
    [InlineData("import", "amdgpu-renderD-7.img", "amdgpu-renderD-7.img")]
    public async Task TheFileOnStandardInput_IsAnInput_NeverOverwritten(string command, string given, string output)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here: the file behind descriptor 0 is found through /proc
        }

        // decode - -o x.img < x.img replaced the image it was reading with its JSON, exit 0.
        string source = command switch
        {
            "encode" => Path.Combine(RepoPaths.Fixtures, "criu-v8.json"),
            "import" => Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-renderD-7.img"),
            _ => V8,
        };
        string input = Path.Combine(Folder, given);
        File.Copy(source, input);
        Run("ln", "-s", input, Path.Combine(Folder, "link.img"));
        (int code, string text, string error) = await CliProcess.Shell($"< {CliProcess.Quote(input)}", command, "-", "-o", Path.Combine(Folder, output));
        Assert.Equal((2, "", $"-: error: the output {Path.Combine(Folder, output)} is the input itself; it would be overwritten\n"), (code, text, error));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(input));
    }

    [Fact]
    public async Task PathOverPathMax_IsOneLine()
    {
        string deep = Path.Combine(Folder, string.Join('/', Enumerable.Repeat(new string('d', 200), 25)), "x.json");
        (int code, _, string error) = await Cli.Run("decode", V8, "-o", deep);
        Assert.Equal(2, code);
        Assert.Single(Lines(error));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashIsStandardInputAndOutput_ForDecodeEncodeAndImport()
    {
        byte[] image = Images.Fixture("criu-v8");
        (int code, byte[] json, string error) = await RunBytes(image, "decode", "-");
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(File.ReadAllBytes(V8Json), json);

        (code, byte[] encoded, error) = await RunBytes(json, "encode", "-", "-o", "-");
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(image, encoded);

        byte[] criu = CriuImages.File(CriuImages.Sample());
        (code, byte[] imported, error) = await RunBytes(criu, "import", "-", "-o", "-");
        Assert.Equal((0, ""), (code, error));
        // The sample's VRAM BO has a 2 MiB alignment in pages (CRI116, a warning): nothing else is found.
        Assert.Equal(["CRI116"], CriuImage.Verification.ImageVerifier.Verify(imported, "-").Diagnostics.Select(d => d.Descriptor.Id));
    }

    [Fact]
    public async Task DecodeToStandardOutput_Streams()
    {
        // 100,000 mappings decode to megabytes of JSON: standard output must see it in pieces, not one buffer.
        List<BoEntry> bos = Images.Large(100);

        byte[] image = await Images.WriteAsync(new ImageHeader(Abi.AbiRevision.CriuV8), bos);
        var output = new LargestWriteStream();
        int code = await Analyzer.Program.RunAsync(["decode", "-"], new MemoryStream(image), output, TextWriter.Null);
        Assert.Equal(0, code);
        Assert.True(output.Total > 5_000_000 && output.Largest <= (1 << 20) + (256 << 10), $"{output.Total} bytes, largest write {output.Largest}");
        Assert.InRange(output.Largest, 1, (1 << 20) + (256 << 10));
    }

    [Fact]
    public async Task StandardOutput_FullOrClosed_IsOneLine_AndExitCode2()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        foreach (string redirection in new[] { "> /dev/full", ">&-" })
        {
            foreach (string[] args in new[] { new[] { "decode", V8 }, ["verify", V8] })
            {
                (int code, _, string error) = await CliProcess.Shell(redirection, args);
                Assert.True(code == 2, $"{args[0]} {redirection}: exit {code}: {error}");
                Assert.Single(Lines(error));
                Assert.Contains("cannot write standard output", error, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task DevStdout_IsStandardOutput_NotAFileToReplace()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        string file = Path.Combine(Folder, "out.json");
        File.WriteAllText(file, "first line\n");
        (int code, _, string error) = await CliProcess.Shell($">> '{file}'", "decode", V8, "-o", "/dev/stdout");
        Assert.Equal((0, ""), (code, error));
        Assert.Equal("first line\n" + File.ReadAllText(V8Json), File.ReadAllText(file));

        // Written at the descriptor's offset, which moves on: what the shell writes next comes after it.
        string shared = Path.Combine(Folder, "shared.json");
        (code, _, error) = await CliProcess.Shell($"-o /dev/stdout; echo after; }} > '{shared}'", "decode", V8);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(File.ReadAllText(V8Json) + "after\n", File.ReadAllText(shared));
    }

    [Fact]
    public async Task UnnamedTemporaryFile_LeavesNoNameBehind_WhileWriting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        string target = Path.Combine(Folder, "x.img");
        await using (ImageFileWriter writer = ImageFileWriter.Create(target, new ImageHeader(Abi.AbiRevision.CriuV8)))
        {
            await writer.Writer.WriteBoAsync(new BoRecord(1, 4096, null, 0, 4, 0, null, 0), ReadOnlyMemory<VmRecord>.Empty);
            await writer.Writer.FlushAsync();
            Assert.Empty(Directory.GetFileSystemEntries(Folder)); // a kill now leaves nothing
        }

        Assert.Empty(Directory.GetFileSystemEntries(Folder)); // nor does an abandoned write
    }

    private static async Task<(int Code, byte[] Output, string Error)> RunBytes(byte[] input, params string[] args)
    {
        using var output = new MemoryStream();
        using var error = new StringWriter();
        int code = await Analyzer.Program.RunAsync(args, new MemoryStream(input), output, error);
        return (code, output.ToArray(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static bool IsCharacterDevice(string path) => FileType(path) == "character special file";

    private static string FileType(string path) => Run("stat", "-c", "%F", path).Trim();

    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    private sealed class LargestWriteStream : Stream
    {
        public long Total { get; private set; }

        public int Largest { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Total;

        public override long Position { get => Total; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Total += buffer.Length;
            Largest = Math.Max(Largest, buffer.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
