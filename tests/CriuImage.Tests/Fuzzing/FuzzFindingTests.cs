using System.Formats.Tar;
using System.Text;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Fuzzing;

/// <summary>
/// What afl-fuzz found (docs/reliability.md, "Coverage-guided fuzzing"), each rebuilt by hand so the cause is
/// plain; the inputs it found are replayed beside them from tests/corpus/&lt;target&gt;/crash-*.
/// </summary>
public class FuzzFindingTests : TempFolder
{
    /// <summary>
    /// A tar whose header holds a base-256 uid past int's range: System.Formats.Tar throws OverflowException,
    /// which escaped the archive reader as "unexpected OverflowException" (dump-tar, crash-362c4ed36886).
    /// </summary>
    private static byte[] TarWithOverflowingUid(string name)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(new byte[8]) });
        }

        byte[] bytes = tar.ToArray();
        bytes[108] = 0x80;
        bytes.AsSpan(109, 7).Fill(0xFF);
        return FixChecksum(bytes);
    }

    /// <summary>Sets the first header's checksum (offset 148): the byte sum with the field itself as spaces, in octal.</summary>
    private static byte[] FixChecksum(byte[] bytes)
    {
        bytes.AsSpan(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in bytes.AsSpan(0, 512))
        {
            sum += b;
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(bytes, 148);
        return bytes;
    }

    /// <summary>
    /// A PAX archive whose extended header announces 1 GiB: System.Formats.Tar rents a buffer of that size before
    /// reading a byte of it, an OutOfMemoryException under any memory limit (dump-tar, crash-dda13c1ef626). With
    /// <paramref name="size"/>, the header's size field as given.
    /// </summary>
    private static byte[] TarWithHugePaxHeader(string size = "10000000000\0")
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "checkpoint/amdgpu-kfd-5.img", new Dictionary<string, string> { ["comment"] = "fuzz" }) { DataStream = new MemoryStream(new byte[8]) });
        }

        byte[] bytes = tar.ToArray();
        Assert.Equal((byte)'x', bytes[156]);
        Encoding.ASCII.GetBytes(size).CopyTo(bytes, 124);
        return FixChecksum(bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DumpTar_PaxHeaderOf1GiB_IsRefused_BeforeAnythingIsAllocated(bool seekable)
    {
        (string reason, long allocated) = CollectRefused(TarWithHugePaxHeader(), seekable);
        Assert.Equal("the archive is damaged: the header at byte 0 announces a PAX extended header of 1073741824 bytes, more than the 1048576 this tool reads", reason);
        Assert.True(allocated < 16 << 20, $"{allocated} bytes allocated");
    }

    /// <summary>
    /// The size field "5305211756\00": the tar reader takes the digits before the NUL (725 MB, rented at once: an
    /// OutOfMemoryException under a 256 MiB container's heap limit), where the bound read it as no number and let it
    /// pass (dump-tar, crash-e0994e3a5a09, afl-fuzz session 7).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DumpTar_PaxHeaderSizeWithDigitsAfterItsNul_IsRefusedAsTheTarReaderReadsIt(bool seekable)
    {
        (string reason, long allocated) = CollectRefused(TarWithHugePaxHeader("5305211756\00"), seekable);
        Assert.Equal($"the archive is damaged: the header at byte 0 announces a PAX extended header of {Convert.ToInt64("5305211756", 8)} bytes, more than the 1048576 this tool reads", reason);
        Assert.True(allocated < 16 << 20, $"{allocated} bytes allocated");
    }

    /// <summary>Collects <paramref name="tar"/> as a named file or as standard input: the one input's reason and the bytes this thread allocated.</summary>
    private (string Reason, long Allocated) CollectRefused(byte[] tar, bool seekable)
    {
        string path = Path.Combine(Folder, "checkpoint.tar");
        File.WriteAllBytes(path, tar);
        long before = GC.GetAllocatedBytesForCurrentThread();
        InputSet set = seekable ? DumpInputs.Collect([path], new InputOptions(), () => Stream.Null) : DumpInputs.Collect(["-"], new InputOptions(), () => new MemoryStream(tar));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (Assert.Single(set.Unreadable).Reason, allocated);
    }

    [Fact]
    public void TopologyTar_PaxHeaderOf1GiB_IsATopologyFormatError()
    {
        string path = Path.Combine(Folder, "host.tar");
        File.WriteAllBytes(path, TarWithHugePaxHeader());
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(path));
        Assert.Contains("announces a PAX extended header of 1073741824 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologyTar_GnuSparseEntry_IsATopologyFormatError()
    {
        // System.Formats.Tar refuses type 'S' with NotSupportedException, which escaped host-check (topology-tar, crash-c55c86fb5f2a).
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "topology/nodes/0/gpu_id") { DataStream = new MemoryStream("1\n"u8.ToArray()) });
        }

        byte[] bytes = tar.ToArray();
        bytes[156] = (byte)'S';
        string path = Path.Combine(Folder, "host.tar");
        File.WriteAllBytes(path, FixChecksum(bytes));
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(path));
        Assert.Contains("not a readable tar archive", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void DumpTar_LongNamesAndAttributes_UnderTheBound_StillRead(TarEntryFormat format)
    {
        // A name of 300 characters needs a PAX path attribute or a GNU long name; the entries after it still read.
        string folder = "checkpoint/" + new string('d', 280);
        byte[] kfd = File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-kfd-5.img"));
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, format, leaveOpen: true))
        {
            writer.WriteEntry(format == TarEntryFormat.Pax ? new PaxTarEntry(TarEntryType.RegularFile, $"{folder}/amdgpu-kfd-5.img") { DataStream = new MemoryStream(kfd) } : new GnuTarEntry(TarEntryType.RegularFile, $"{folder}/amdgpu-kfd-5.img") { DataStream = new MemoryStream(kfd) });
            writer.WriteEntry(format == TarEntryFormat.Pax ? new PaxTarEntry(TarEntryType.RegularFile, $"{folder}/amdgpu-renderD-7.img") { DataStream = new MemoryStream(new byte[8]) } : new GnuTarEntry(TarEntryType.RegularFile, $"{folder}/amdgpu-renderD-7.img") { DataStream = new MemoryStream(new byte[8]) });
        }

        string path = Path.Combine(Folder, "long.tar");
        File.WriteAllBytes(path, tar.ToArray());
        foreach (InputSet set in new[] { DumpInputs.Collect([path], new InputOptions(), () => Stream.Null), DumpInputs.Collect(["-"], new InputOptions(), () => new MemoryStream(tar.ToArray())) })
        {
            Assert.Empty(set.Unreadable);
            Assert.Equal(["amdgpu-kfd-5.img", "amdgpu-renderD-7.img"], set.Files.Select(f => Path.GetFileName(f.Path)));
            Assert.Equal(kfd, set.Files[0].Content);
        }
    }

    [Fact]
    public void OciIndex_NotUtf8_IsInvalidJson_NotACrash()
    {
        // JsonDocument.Parse let a string of invalid UTF-8 through; GetString then threw InvalidOperationException (zstd, crash-02d9f3fe8fb5).
        (byte[] index, _) = Fuzz.Targets.OciLayouts.Documents;
        string text = Encoding.UTF8.GetString(index);
        byte[] damaged = [.. index];
        damaged[text.IndexOf("sha256:", StringComparison.Ordinal) + 7] = 0xC3;
        InputSet set = DumpInputs.Collect(["-"], new InputOptions(), () => new MemoryStream(Fuzz.Targets.OciLayouts.With(index: damaged)));
        Assert.Contains(set.Unreadable, u => u.Reason.Contains("is not valid JSON: not UTF-8", StringComparison.Ordinal));
        Assert.Empty(set.Files);
    }

    [Fact]
    public void DumpTar_HeaderNumberPastItsField_IsADamagedArchive()
    {
        byte[] tar = TarWithOverflowingUid("checkpoint/amdgpu-kfd-5.img");
        InputSet set = DumpInputs.Collect(["-"], new InputOptions(), () => new MemoryStream(tar));
        UnreadableInput unreadable = Assert.Single(set.Unreadable);
        Assert.Equal(("-", "the archive is damaged: entry 1's header holds a number too large for its field"), (unreadable.Path, unreadable.Reason));
    }

    [Fact]
    public async Task Verify_OfSuchATar_SaysSoInOneLine_ExitTwo()
    {
        string path = Path.Combine(Folder, "checkpoint.tar");
        File.WriteAllBytes(path, TarWithOverflowingUid("checkpoint/amdgpu-kfd-5.img"));
        (int code, string output, string error) = await Cli.Run("verify", path);
        Assert.Equal(2, code);
        Assert.Contains($"{path}: error CRI001: the archive is damaged: entry 1's header holds a number too large for its field\n", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Fact]
    public void TopologyTar_HeaderNumberPastItsField_IsATopologyFormatError()
    {
        string path = Path.Combine(Folder, "host.tar");
        File.WriteAllBytes(path, TarWithOverflowingUid("topology/nodes/0/gpu_id"));
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(path));
        Assert.Contains("member 1's header holds a number too large for its field", e.Message, StringComparison.Ordinal);
    }
}
