using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// Archive entries as <c>tar x</c> would leave them: sparse entries (GNU 'S' is one unreadable line and the
/// rest is read; PAX 1.0 is the file it stands for, never its sparse map), hard links, and names that
/// appear twice (the last copy wins). FIFOs with a CRIU name in a folder are skipped, never read as empty.
/// </summary>
public sealed class ArchiveEntryTests : TempFolder
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(CriuFixtures.Path_($"criu-dev/{name}"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GnuSparseEntry_IsOneUnreadableLine_AndTheRestIsRead(bool gzip)
    {
        byte[] kfd = Fixture("amdgpu-kfd-5.img");
        byte[] render = Fixture("amdgpu-renderD-7.img");
        using var tar = new MemoryStream();
        tar.Write(Entries(w => w.WriteEntry(Regular("checkpoint/amdgpu-kfd-5.img", kfd, TarEntryFormat.Gnu))));
        tar.Write(GnuSparse("checkpoint/amdgpu-pages-5-1a2b.img", realSize: 1L << 31, data: new byte[1000], extensionBlocks: 1));
        tar.Write(Entries(w => w.WriteEntry(Regular("checkpoint/amdgpu-renderD-7.img", render, TarEntryFormat.Gnu)), end: true));

        InputSet set = Read(tar.ToArray(), gzip);
        UnreadableInput sparse = Assert.Single(set.Unreadable);
        Assert.Equal("a.tar:checkpoint/amdgpu-pages-5-1a2b.img", sparse.Path);
        Assert.Equal("entry 2: a GNU sparse entry: not supported (re-create the archive without -S, or with --format=pax -S)", sparse.Reason);
        Assert.Equal(["a.tar:checkpoint/amdgpu-kfd-5.img", "a.tar:checkpoint/amdgpu-renderD-7.img"], set.Files.Select(f => f.Path));
        Assert.Equal(render, set.Files[1].Content);
    }

    [Fact]
    public async Task GnuSparseEntry_ExitsTwo_WithOneLine_NeverAnUnexpectedException()
    {
        string archive = Path.Combine(Folder, "s.tar");
        await File.WriteAllBytesAsync(archive, [.. GnuSparse("checkpoint/amdgpu-pages-5-1a2b.img", realSize: 4096, data: new byte[8], extensionBlocks: 0), .. new byte[1024]]);
        (int code, string output, string error) = await Cli.Run("verify", archive);
        Assert.Equal((2, ""), (code, error));
        Assert.Contains($"{archive}:checkpoint/amdgpu-pages-5-1a2b.img: error CRI001: entry 1: a GNU sparse entry: not supported", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PaxSparse10_IsTheRealFile_ReadThroughItsMap(bool gzip)
    {
        byte[] kfd = Fixture("amdgpu-kfd-5.img");
        const long pagesSize = 8 + (1L << 30);
        byte[] pagesHead = BitConverter.GetBytes(1UL << 30);

        // The KFD image in two regions with a hole between them that the original holds as zeros.
        byte[] holed = [.. kfd[..100], .. new byte[300], .. kfd[100..]];
        byte[] tar = Entries(w =>
        {
            w.WriteEntry(PaxSparse("checkpoint/amdgpu-kfd-5.img", holed.Length, [(0, kfd[..100]), (400, kfd[100..])]));
            w.WriteEntry(PaxSparse("checkpoint/amdgpu-pages-5-1a2b.img", pagesSize, [(0, [.. pagesHead, .. new byte[4088]]), (pagesSize - 4096, new byte[4096])]));
        }, end: true);

        InputSet set = Read(tar, gzip);
        Assert.Empty(set.Unreadable);
        Assert.Equal(["a.tar:checkpoint/amdgpu-kfd-5.img", "a.tar:checkpoint/amdgpu-pages-5-1a2b.img"], set.Files.Select(f => f.Path));
        Assert.Equal(holed, set.Files[0].Content);
        Assert.Equal(pagesSize, set.Files[1].Length);
        Assert.Equal(pagesHead, set.Files[1].Head);
        Assert.Null(set.Files[1].Content);
        Assert.All(set.Files, f => Assert.Equal("a.tar:checkpoint", f.Folder));
    }

    [Fact]
    public void PaxSparse10_WhoseMapIsDamaged_IsUnreadable_NeverReadAsTheFile()
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, "checkpoint/GNUSparseFile.1/amdgpu-kfd-5.img", SparseRecords("checkpoint/amdgpu-kfd-5.img", 512))
        {
            DataStream = new MemoryStream(Encoding.ASCII.GetBytes("1\n0\nx\n")),
        };
        InputSet set = Read(Entries(w => w.WriteEntry(entry), end: true), gzip: false);
        Assert.Empty(set.Files);
        UnreadableInput line = Assert.Single(set.Unreadable);
        Assert.Equal("a.tar:checkpoint/amdgpu-kfd-5.img", line.Path);
        Assert.StartsWith("entry 1: a PAX sparse entry whose sparse map cannot be read: the size of region 0", line.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PaxSparseOlderFormat_IsUnreadable()
    {
        var records = new Dictionary<string, string> { ["GNU.sparse.size"] = "4096", ["GNU.sparse.numblocks"] = "1", ["GNU.sparse.offset"] = "0", ["GNU.sparse.numbytes"] = "8" };
        var entry = new PaxTarEntry(TarEntryType.RegularFile, "checkpoint/amdgpu-pages-5-1a2b.img", records) { DataStream = new MemoryStream(new byte[8]) };
        InputSet set = Read(Entries(w => w.WriteEntry(entry), end: true), gzip: false);
        Assert.Empty(set.Files);
        Assert.Contains("a PAX sparse entry of format 0.x: not supported", Assert.Single(set.Unreadable).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HardLink_IsItsTargetsData_OrUnreadable_NeverAbsent()
    {
        byte[] pages = Fixture("amdgpu-drm-pages-7-128-0001.img");
        byte[] render = Fixture("amdgpu-renderD-7.img");
        byte[] tar = Entries(w =>
        {
            w.WriteEntry(Regular("checkpoint/amdgpu-drm-pages-7-128-0001.img", pages, TarEntryFormat.Pax));
            w.WriteEntry(Regular("checkpoint/amdgpu-renderD-7.img", render, TarEntryFormat.Pax));
            w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "checkpoint/amdgpu-drm-pages-7-128-0002.img") { LinkName = "checkpoint/amdgpu-drm-pages-7-128-0001.img" });
            w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "checkpoint/amdgpu-renderD-8.img") { LinkName = "./checkpoint/amdgpu-renderD-7.img" });
            w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "checkpoint/amdgpu-drm-pages-7-128-0000.img") { LinkName = "checkpoint/later.img" });
            w.WriteEntry(Regular("checkpoint/later.img", pages, TarEntryFormat.Pax));
        }, end: true);

        InputSet set = Read(tar, gzip: true);
        InputFile link = Assert.Single(set.Files, f => f.Path == "a.tar:checkpoint/amdgpu-drm-pages-7-128-0002.img");
        Assert.Equal(pages.LongLength, link.Length);
        Assert.Equal(pages[..8], link.Head);
        Assert.Equal(CriuImage.Criu.CriuFileKind.DrmPages, link.CriuName?.Kind);
        Assert.Equal(render, Assert.Single(set.Files, f => f.Path == "a.tar:checkpoint/amdgpu-renderD-8.img").Content);
        UnreadableInput dangling = Assert.Single(set.Unreadable);
        Assert.Equal(("a.tar:checkpoint/amdgpu-drm-pages-7-128-0000.img", "entry 5: a hard link to checkpoint/later.img, which no earlier entry of the archive holds"), (dangling.Path, dangling.Reason));
        Assert.DoesNotContain(set.Skipped, s => s.Reason.Contains("HardLink", StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateNames_TheLastCopyWins_AndTheEarlierIsSaid()
    {
        byte[] good = Fixture("amdgpu-renderD-7.img");
        byte[] stale = [.. good];
        stale[0] ^= 0xFF;
        byte[] tar = Entries(w =>
        {
            w.WriteEntry(Regular("checkpoint/amdgpu-renderD-7.img", stale, TarEntryFormat.Gnu));
            w.WriteEntry(Regular("checkpoint/amdgpu-kfd-5.img", Fixture("amdgpu-kfd-5.img"), TarEntryFormat.Gnu));
            w.WriteEntry(Regular("./checkpoint/amdgpu-renderD-7.img", good, TarEntryFormat.Gnu));
        }, end: true);

        InputSet set = Read(tar, gzip: false);
        Assert.Equal(["a.tar:checkpoint/amdgpu-kfd-5.img", "a.tar:checkpoint/amdgpu-renderD-7.img"], set.Files.Select(f => f.Path));
        Assert.Equal(good, set.Files[1].Content);
        SkippedInput earlier = Assert.Single(set.Skipped);
        Assert.Equal(("a.tar:checkpoint/amdgpu-renderD-7.img", "entry 1: overridden by entry 3 of the same name, which tar x keeps"), (earlier.Path, earlier.Reason));
    }

    [Fact]
    public void DuplicateName_WhoseLastCopyIsUnreadable_IsUnreadable()
    {
        byte[] tar = Entries(w =>
        {
            w.WriteEntry(Regular("checkpoint/amdgpu-kfd-5.img", Fixture("amdgpu-kfd-5.img"), TarEntryFormat.Gnu));
            w.WriteEntry(Regular("checkpoint/amdgpu-kfd-5.img", new byte[4096], TarEntryFormat.Gnu));
        }, end: true);

        var set = new InputSet();
        InputCollector.ReadArchive(new MemoryStream(tar), "a.tar", set, DumpInputs.For(new InputOptions { MaxMessageBytes = 1024 }));
        Assert.Empty(set.Files);
        Assert.Contains("more than the 1024 bytes", Assert.Single(set.Unreadable).Reason, StringComparison.Ordinal);
        Assert.Contains("overridden by entry 2", Assert.Single(set.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FifoWithACriuName_InAFolder_IsSkipped_NotReadAsEmpty()
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        File.Copy(CriuFixtures.Path_("criu-dev/amdgpu-renderD-7.img"), Path.Combine(dump, "amdgpu-renderD-7.img"));
        CriuFixtures.Run("mkfifo", Path.Combine(dump, "amdgpu-kfd-5.img"));
        InputSet set = DumpInputs.Collect([dump], new InputOptions(), () => Stream.Null);
        Assert.Equal([Path.Combine(dump, "amdgpu-renderD-7.img")], set.Files.Select(f => f.Path));
        SkippedInput fifo = Assert.Single(set.Skipped);
        Assert.Equal((Path.Combine(dump, "amdgpu-kfd-5.img"), "a FIFO, not a regular file: not opened", SkipKind.NotRegular), (fifo.Path, fifo.Reason, fifo.Kind));
    }

    [Fact]
    public void EmptyFileWithACriuName_InAFolder_IsStillReported()
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        File.WriteAllBytes(Path.Combine(dump, "amdgpu-kfd-5.img"), []);
        InputSet set = DumpInputs.Collect([dump], new InputOptions(), () => Stream.Null);
        Assert.Equal(0, Assert.Single(set.Files).Length);
    }

    private static InputSet Read(byte[] tar, bool gzip)
    {
        var set = new InputSet();
        if (!gzip)
        {
            InputCollector.ReadArchive(new MemoryStream(tar), "a.tar", set, DumpInputs.For(new InputOptions()));
            return set;
        }

        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(tar);
        }

        using var forward = new NonSeekableStream(compressed.ToArray());
        InputCollector.ReadArchive(forward, "a.tar", set, DumpInputs.For(new InputOptions()));
        return set;
    }

    /// <summary>Tar entries as TarWriter writes them, without the two zero blocks that end an archive unless <paramref name="end"/>.</summary>
    private static byte[] Entries(Action<TarWriter> write, bool end = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, leaveOpen: true))
        {
            write(writer);
        }

        byte[] bytes = stream.ToArray();
        return end ? bytes : bytes[..^1024];
    }

    private static TarEntry Regular(string name, byte[] data, TarEntryFormat format)
    {
        TarEntry entry = format == TarEntryFormat.Gnu ? new GnuTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name);
        entry.DataStream = new MemoryStream(data);
        return entry;
    }

    private static Dictionary<string, string> SparseRecords(string name, long realSize) => new()
    {
        ["GNU.sparse.major"] = "1",
        ["GNU.sparse.minor"] = "0",
        ["GNU.sparse.name"] = name,
        ["GNU.sparse.realsize"] = realSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A PAX sparse 1.0 entry as <c>tar --format=pax -S</c> writes it: the map in decimal lines padded to 512 bytes, then the regions' data.</summary>
    private static PaxTarEntry PaxSparse(string name, long realSize, (long Offset, byte[] Data)[] regions)
    {
        var map = new StringBuilder().Append(regions.Length).Append('\n');
        foreach ((long offset, byte[] data) in regions)
        {
            map.Append(offset).Append('\n').Append(data.Length).Append('\n');
        }

        byte[] text = Encoding.ASCII.GetBytes(map.ToString());
        byte[] body = [.. text, .. new byte[((text.Length + 511) / 512 * 512) - text.Length], .. regions.SelectMany(r => r.Data)];
        string placeholder = $"{Path.GetDirectoryName(name)}/GNUSparseFile.4242/{Path.GetFileName(name)}";
        return new PaxTarEntry(TarEntryType.RegularFile, placeholder, SparseRecords(name, realSize)) { DataStream = new MemoryStream(body) };
    }

    /// <summary>A GNU sparse (type 'S') entry as GNU tar writes it: header, <paramref name="extensionBlocks"/> extension blocks of the map, data padded to 512 bytes.</summary>
    private static byte[] GnuSparse(string name, long realSize, byte[] data, int extensionBlocks)
    {
        byte[] header = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Octal("0000644", header, 100);
        Octal("0000000", header, 108);
        Octal("0000000", header, 116);
        Octal(Convert.ToString(data.Length, 8).PadLeft(11, '0'), header, 124);
        Octal("00000000000", header, 136);
        header[156] = (byte)'S';
        Encoding.ASCII.GetBytes("ustar  \0").CopyTo(header, 257);
        Octal("00000000000", header, 386);
        Octal(Convert.ToString(data.Length, 8).PadLeft(11, '0'), header, 398);
        header[482] = (byte)(extensionBlocks > 0 ? 1 : 0);
        Octal(Convert.ToString(realSize, 8).PadLeft(11, '0'), header, 483);
        Encoding.ASCII.GetBytes("        ").CopyTo(header, 148);
        int sum = header.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);

        var blocks = new List<byte>(header);
        for (int i = 0; i < extensionBlocks; i++)
        {
            byte[] extension = new byte[512];
            extension[504] = (byte)(i < extensionBlocks - 1 ? 1 : 0);
            blocks.AddRange(extension);
        }

        blocks.AddRange(data);
        blocks.AddRange(new byte[((data.Length + 511) / 512 * 512) - data.Length]);
        return [.. blocks];
    }

    private static void Octal(string digits, byte[] header, int at) => Encoding.ASCII.GetBytes(digits + "\0").CopyTo(header, at);
}
