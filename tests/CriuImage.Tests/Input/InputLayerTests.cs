using System.Formats.Tar;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The input layer: folders are never fail-open (FIFOs, symlinks, empty files, odd names are skipped and
/// said; what cannot be read is an error), archives and non-seekable streams are read without unpacking,
/// and a plain tar is read by seeking past contents entries.
/// </summary>
public sealed class InputLayerTests : TempFolder
{
    private static string Image => Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img");

    [Fact]
    public async Task Fifo_InAFolder_IsSkippedAndSaid_NeverOpened()
    {
        File.Copy(Image, Path.Combine(Folder, "a.img"));
        CriuFixtures.Run("mkfifo", Path.Combine(Folder, "pipe.img"));
        Task<(int Code, string Output, string Error)> run = Cli.Run("verify", Folder);
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))));
        (int code, string output, _) = await run;
        Assert.Equal(0, code);
        Assert.Contains("verified 1 file:", output, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(Folder, "pipe.img")}: skipped: a FIFO, not a regular file: not opened", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Symlinks_AreSkipped_UnlessFollowed()
    {
        File.Copy(Image, Path.Combine(Folder, "a.img"));
        File.CreateSymbolicLink(Path.Combine(Folder, "b.img"), Image);
        (_, string output, _) = await Cli.Run("verify", Folder);
        Assert.Contains("verified 1 file:", output, StringComparison.Ordinal);
        Assert.Contains("b.img: skipped: a symbolic link", output, StringComparison.Ordinal);
        (_, string followed, _) = await Cli.Run("verify", "--follow-symlinks", Folder);
        Assert.Contains("verified 2 files:", followed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SymlinkLoop_IsSaid_NotFollowedForever()
    {
        Directory.CreateDirectory(Path.Combine(Folder, "d"));
        File.Copy(Image, Path.Combine(Folder, "d", "a.img"));
        Directory.CreateSymbolicLink(Path.Combine(Folder, "d", "loop"), Path.Combine(Folder, "d"));
        (int code, string output, _) = await Cli.Run("verify", "--follow-symlinks", Folder);
        Assert.Equal(0, code);
        Assert.Contains("symbolic link loop", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileSymlinkLoop_AndDanglingLink_AreUnreadable_NotACrash()
    {
        File.Copy(Image, Path.Combine(Folder, "a.img"));
        File.CreateSymbolicLink(Path.Combine(Folder, "x.img"), Path.Combine(Folder, "y.img"));
        File.CreateSymbolicLink(Path.Combine(Folder, "y.img"), Path.Combine(Folder, "x.img"));
        File.CreateSymbolicLink(Path.Combine(Folder, "gone.img"), Path.Combine(Folder, "nowhere.img"));
        (int code, string output, string error) = await Cli.Run("verify", "--follow-symlinks", Folder);
        Assert.Equal((2, ""), (code, error));
        Assert.Contains("x.img: unreadable", output, StringComparison.Ordinal);
        Assert.Contains("gone.img: unreadable", output, StringComparison.Ordinal);
        Assert.Contains("a.img: ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyFiles_AndNonUtf8Names_AreSaid()
    {
        File.Copy(Image, Path.Combine(Folder, "a.img"));
        await File.WriteAllBytesAsync(Path.Combine(Folder, "empty.img"), []);
        CriuFixtures.Run("/bin/bash", "-c", $"cp '{Image}' \"{Folder}\"/$'\\xff.img'");
        (int code, string output, _) = await Cli.Run("verify", Folder);

        // .NET cannot name the file to delete it either.
        CriuFixtures.Run("/bin/bash", "-c", $"rm \"{Folder}\"/$'\\xff.img'");
        Assert.Equal(0, code);
        Assert.Contains("empty.img: skipped: empty", output, StringComparison.Ordinal);
        Assert.Contains("skipped: the name is not valid UTF-8", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingFound_IsNeverSilent()
    {
        await File.WriteAllTextAsync(Path.Combine(Folder, "notes.txt"), "hello");
        (int code, string output, string error) = await Cli.Run("verify", Folder);
        Assert.Equal((2, ""), (code, output));
        Assert.Contains("no image or CRIU amdgpu file found in the given inputs (1 other entry skipped)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FolderThatCannotBeEntered_IsUnreadable()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            // root enters any folder: the refusal cannot be staged.
            return;
        }

        string locked = Path.Combine(Folder, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        File.Copy(Image, Path.Combine(Folder, "a.img"));
        (int code, string output, _) = await Cli.Run("verify", Folder);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(2, code);
        Assert.Contains("cannot enter the folder", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("checkpoint-criu-dev.tar")]
    [InlineData("checkpoint-criu-dev.tar.gz")]
    public void Stdin_ReadsArchivesAsStreams(string archive)
    {
        var set = new InputSet();
        using var stream = new NonSeekableStream(File.ReadAllBytes(CriuFixtures.Path_($"archives/{archive}")));
        InputCollector.ReadStream(stream, "-", set, DumpInputs.For(new InputOptions()));
        Assert.Equal(10, set.Files.Count);
        Assert.All(set.Files, f => Assert.StartsWith("-:checkpoint/amdgpu-", f.Path, StringComparison.Ordinal));
        Assert.Equal(3, set.Skipped.Count);
        Assert.Empty(set.Unreadable);
    }

    [Theory]
    [InlineData("verify - < '{0}'")]
    [InlineData("verify /dev/stdin < '{0}'")]
    [InlineData("verify <(cat '{0}')")]
    [InlineData("cat '{0}' | criu verify -")]
    public void TheTool_ReadsPipesAndProcessSubstitution_AsStreams(string command)
    {
        string tool = Path.Combine(AppContext.BaseDirectory, "criu-image.dll");
        string line = string.Format(System.Globalization.CultureInfo.InvariantCulture, command, CriuFixtures.Path_("archives/checkpoint-criu-dev.tar.gz"));
        line = line.StartsWith("cat", StringComparison.Ordinal) ? line.Replace("criu ", $"dotnet '{tool}' ", StringComparison.Ordinal) : $"dotnet '{tool}' {line}";
        string output = CriuFixtures.Run("/bin/bash", "-c", line);
        Assert.Contains("verified 10 files: 8 ok, 2 with findings, 0 unreadable; 0 errors, 2 warnings", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Stdin_ReadsAKfdImage_RecognisedByContent()
    {
        var set = new InputSet();
        using var stream = new NonSeekableStream(File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-kfd-5.img")));
        InputCollector.ReadStream(stream, "-", set, DumpInputs.For(new InputOptions()));
        InputPlan plan = InputPlan.Of(set);
        Assert.Equal(Criu.CriuFileKind.KfdImage, Assert.Single(Assert.Single(plan.Dumps).Dump.Files).Name.Kind);
    }

    [Fact]
    public void DamagedZstdStream_IsUnreadable_WithTheReason()
    {
        var set = new InputSet();
        using var stream = new NonSeekableStream([0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0]);
        InputCollector.ReadStream(stream, "x.tar.zst", set, DumpInputs.For(new InputOptions()));
        Assert.StartsWith("the zstd stream is damaged: ", Assert.Single(set.Unreadable).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainTar_IsReadBySeekingPastContents()
    {
        string tar = Path.Combine(Folder, "big.tar");
        const long contents = 64L << 20;
        using (var file = File.Create(tar))
        using (var writer = new TarWriter(file, TarEntryFormat.Pax))
        {
            foreach (string name in Directory.EnumerateFiles(CriuFixtures.Path_("criu-dev")).Order(StringComparer.Ordinal))
            {
                writer.WriteEntry(name, "checkpoint/" + Path.GetFileName(name));
            }

            string big = Path.Combine(Folder, "amdgpu-pages-5-1a2b.img");
            using (var sparse = File.Create(big))
            {
                sparse.SetLength(8 + contents);
            }

            writer.WriteEntry(big, "second/amdgpu-pages-5-1a2b.img");
        }

        var set = new InputSet();
        using var counting = new CountingStream(File.OpenRead(tar));
        InputCollector.ReadArchive(counting, "big.tar", set, DumpInputs.For(new InputOptions()));
        Assert.Equal(11, set.Files.Count);
        Assert.Equal(8 + contents, set.Files[^1].Length);
        Assert.InRange(counting.BytesRead, 0, 1 << 20);
    }

    [Fact]
    public async Task MessageFilesHeldWhole_LargerThanTheLimit_AreUnreadable_NotLoaded()
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        await File.WriteAllBytesAsync(Path.Combine(dump, "amdgpu-dmabuf_9.img"), new byte[4096]);

        // A KFD image is read by position, never held: no limit of memory applies to it.
        await File.WriteAllBytesAsync(Path.Combine(dump, "amdgpu-kfd-5.img"), new byte[4096]);
        InputSet set = DumpInputs.Collect([dump], new InputOptions { MaxMessageBytes = 1024 }, () => Stream.Null);
        UnreadableInput unreadable = Assert.Single(set.Unreadable);
        Assert.EndsWith("amdgpu-dmabuf_9.img", unreadable.Path, StringComparison.Ordinal);
        Assert.Contains("more than the 1024 bytes", unreadable.Reason, StringComparison.Ordinal);
        InputFile kfd = Assert.Single(set.Files, f => f.Name == "amdgpu-kfd-5.img");
        Assert.Null(kfd.Content);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
