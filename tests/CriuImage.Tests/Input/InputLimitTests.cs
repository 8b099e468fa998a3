using System.Formats.Tar;
using System.IO.Compression;
using CriuImage.Criu;
using CriuImage.Input;
using ZstdSharp;

namespace CriuImage.Tests.Input;

/// <summary>
/// What the input layer refuses or bounds, each with one line (docs/inputs.md, "Limits"): names leaving the
/// archive (CWE-22), links pointing outside, devices, too many entries (CWE-400), decompression bombs
/// (CWE-409), nesting too deep, and gzip streams whose members end wrongly.
/// </summary>
public sealed class InputLimitTests
{
    private static readonly byte[] Kfd = File.ReadAllBytes(Path.Combine(Support.RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-kfd-5.img"));

    [Theory]
    [InlineData("../amdgpu-kfd-5.img")]
    [InlineData("checkpoint/../../amdgpu-kfd-5.img")]
    [InlineData("/checkpoint/amdgpu-kfd-5.img")]
    public void NameLeavingTheArchive_IsRefused_CWE22(string name)
    {
        InputSet set = Read(Tar(w => Add(w, name, Kfd)));
        Assert.Empty(set.Files);
        Assert.Contains("the name leaves the archive (an absolute path or '..'): refused", Assert.Single(set.Unreadable).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkPointingOutside_IsNeverFollowed()
    {
        InputSet set = Read(Tar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "checkpoint/amdgpu-kfd-5.img") { LinkName = "../../etc/passwd" })));
        Assert.Empty(set.Files);
        Assert.Contains("a symbolic link pointing outside the archive (to ../../etc/passwd): never followed", Assert.Single(set.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceEntry_IsListed_NeverOpened()
    {
        InputSet set = Read(Tar(w => w.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "checkpoint/amdgpu-kfd-5.img") { DeviceMajor = 1, DeviceMinor = 3 })));
        Assert.Empty(set.Files);
        Assert.Contains("not a regular file", Assert.Single(set.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyEntries_AreRefused_CWE400()
    {
        InputSet set = Read(Tar(w =>
        {
            for (int i = 0; i < 30; i++)
            {
                Add(w, $"f{i}", [1]);
            }
        }), new InputOptions { MaxEntries = 10 });
        Assert.Contains("more than 10 entries: refused", Assert.Single(set.Unreadable).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecompressionBomb_EndsWithOneLine_CWE409()
    {
        byte[] tar = Tar(w => Add(w, "checkpoint/amdgpu-pages-5-1a2b.img", new byte[4 << 20]));
        InputSet set = Read(new Compressor(19).Wrap(tar).ToArray(), new InputOptions { MaxDecompressedBytes = 1 << 20 });
        Assert.Contains("decompresses to more than 1048576 bytes: refused as a decompression bomb", Assert.Single(set.Unreadable).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingTooDeep_IsRefused()
    {
        byte[] inner = Tar(w => Add(w, "checkpoint/amdgpu-kfd-5.img", Kfd));
        byte[] middle = Tar(w => Add(w, "inner.tar", inner));
        byte[] outer = Tar(w => Add(w, "middle.tar", middle));
        InputSet deep = Read(outer, new InputOptions { MaxDepth = 2 });
        Assert.Empty(deep.Files);
        Assert.Contains("deeper than the 2 levels read: refused", Assert.Single(deep.Unreadable).Reason, StringComparison.Ordinal);

        InputSet read = Read(outer);
        Assert.Equal("a.tar:middle.tar:inner.tar:checkpoint/amdgpu-kfd-5.img", Assert.Single(read.Files).Path);
    }

    [Fact]
    public void GzipMembers_AreEachChecked_AndZeroPaddingIsAllowed()
    {
        byte[] tar = Tar(w => Add(w, "checkpoint/amdgpu-kfd-5.img", Kfd));
        byte[] twoMembers = [.. Gzip(tar[..1000]), .. Gzip(tar[1000..]), .. new byte[512]];
        InputSet set = Read(twoMembers);
        Assert.Empty(set.Unreadable);
        Assert.Equal("a.tar:checkpoint/amdgpu-kfd-5.img", Assert.Single(set.Files).Path);

        InputSet junk = Read([.. Gzip(tar), .. "junk"u8]);
        Assert.Contains("after the last gzip member, are neither a member nor zero padding", Assert.Single(junk.Unreadable).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GzipMemberWhoseDeflateDataDoesNotDecode_IsSaidInOurWords()
    {
        byte[] gzip = Gzip(Tar(w => Add(w, "checkpoint/amdgpu-kfd-5.img", Kfd)));
        gzip[10] = 0x07; // the first deflate block: final, of the reserved type 3 (RFC 1951 3.2.3)

        string reason = Assert.Single(Read(gzip).Unreadable).Reason;

        Assert.Contains("the deflate data of member 1 does not decode", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("unsupported compression method", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GzipOneByteAtATime_FindsEveryTrailer()
    {
        byte[] tar = Tar(w => Add(w, "checkpoint/amdgpu-kfd-5.img", Kfd));
        var set = new InputSet();
        InputCollector.ReadArchive(new OneByteStream([.. Gzip(tar[..700]), .. Gzip(tar[700..])]), "a.tar", set, DumpInputs.For(new InputOptions()));
        Assert.Empty(set.Unreadable);
        Assert.Single(set.Files);
    }

    private static InputSet Read(byte[] archive, InputOptions? options = null)
    {
        var set = new InputSet();
        InputCollector.ReadArchive(new Support.NonSeekableStream(archive), "a.tar", set, DumpInputs.For(options ?? new InputOptions()));
        return set;
    }

    private static byte[] Tar(Action<TarWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    private static void Add(TarWriter writer, string name, byte[] data) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    /// <summary>Gives one byte per read: every split point of the gzip framing.</summary>
    private sealed class OneByteStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(1, buffer.Length)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));
    }
}
