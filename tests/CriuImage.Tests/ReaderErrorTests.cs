using CriuImage.Format;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Each kind of damage ends in <see cref="ImageFormatException"/> that says what and where.</summary>
public class ReaderErrorTests
{
    // A criu-v8 BO record (handle 1, size 4096, no offset, 0, 2, 0, no alignment) owing one mapping, and a VM record.
    private const string Bo = "99 00 01 CD1000 C0 00 02 00 C0 01";
    private const string Vm = "95 01 10 11 00 06";

    [Fact]
    public async Task ValidRawImage_Reads()
    {
        byte[] image = new RawImage().Header().Records(2, Bo + Vm).Trailer(1, 1).ToArray();
        Assert.Equal(2UL, await Images.ReadAllRecordsAsync(new MemoryStream(image)));
    }

    [Fact]
    public async Task EveryTruncation_IsReportedAsTruncated()
    {
        byte[] image = Images.Fixture("criu-2025-06");
        for (int length = 0; length < image.Length; length++)
        {
            ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image[..length])));
            Assert.True(e.ByteOffset <= length, $"cut at {length}: reported at {e.ByteOffset}");
            Assert.Matches("truncated|empty|ends", e.Detail);
        }
    }

    [Fact]
    public async Task TrailingBytes_AreAnError()
    {
        byte[] image = [.. Images.Fixture("criu-v8"), 0];
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(image.Length - 1, e.ByteOffset);
        Assert.Contains("trailing bytes", e.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, "not a criu-image file")]
    [InlineData(8, 8, "major version 2")]
    [InlineData(28, 0, "preamble CRC32C")]
    public async Task BadPreamble_IsRefused(int at, long reportedAt, string message)
    {
        byte[] image = Images.Fixture("empty");
        image[at] ^= at == 8 ? (byte)3 : (byte)0x40;
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(reportedAt, e.ByteOffset);
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownIncompatFeatures_AreRefused_RoCompatAndCompatAreRead()
    {
        byte[] refused = new RawImage(new Preamble(1, 1, 0x5, 0, 0)).Header().Trailer(0, 0).ToArray();
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(refused)));
        Assert.Contains("incompatible features 0x00000004", e.Detail, StringComparison.Ordinal);
        Assert.Equal(12, e.ByteOffset);

        byte[] readable = new RawImage(new Preamble(1, 1, 0x1, 0x8, 0x10)).Header().Trailer(0, 0).ToArray();
        Assert.Equal(0UL, await Images.ReadAllRecordsAsync(new MemoryStream(readable)));
    }

    [Fact]
    public async Task FlippedPayloadBit_IsLocatedInItsFrame()
    {
        byte[] image = Images.Fixture("criu-2025-06");
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(image);
        (_, int offset, _, _) = frames.First(f => f.Kind == FrameKind.Records);
        image[offset + FrameHeader.Size + 5] ^= 0x10;
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(offset + FrameHeader.Size, e.ByteOffset);
        Assert.Equal(1, e.Frame);
        Assert.Contains("payload CRC32C mismatch in frame 1", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlippedFrameHeaderBit_IsCaughtByTheHeaderCrc()
    {
        byte[] image = Images.Fixture("criu-v8");
        int frame = FramingTests.Frames(image)[1].Offset;
        image[frame + 13] ^= 0x80; // the payload length
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(frame, e.ByteOffset);
        Assert.Contains("frame header CRC32C mismatch", e.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> SemanticDamage => new()
    {
        { "VM first", "VM record before any BO record" },
        { "VM extra", "already had its 1 mappings" },
        { "BO early", "expected VM record 0 of BO 1" },
        { "owed at end", "still owes 1 of its 1 VM records" },
        { "bad tag", "unknown record tag 7" },
        { "short BO", "BO record array of 9 elements, found 3" },
        { "count too high", "declares 3 records" },
        { "bytes after records", "bytes after its declared records" },
        { "bo count", "bo_count 2, but the image holds 1" },
        { "mapping count", "mapping_count 0, but the image holds 1" },
        { "digest", "digest 0x00000001" },
        { "frame count", "frame_count 9" },
        { "sequence", "expected frame sequence 1, found 5" },
        { "kind", "unknown frame kind 'Q'" },
        { "handle too big", "gem_handle is 4294967296" },
        { "alignment in v8", "expected nil for alignment" },
        { "negative size", "expected size as an unsigned integer, found a negative integer" },
        { "no trailer", "without a trailer" },
    };

    [Theory]
    [MemberData(nameof(SemanticDamage))]
    public async Task SemanticDamage_BehindValidChecksums_IsReported(string damage, string message)
    {
        RawImage raw = new RawImage().Header();
        byte[] image = damage switch
        {
            "VM first" => raw.Records(1, Vm).Trailer(0, 1).ToArray(),
            "VM extra" => raw.Records(3, Bo + Vm + Vm).Trailer(1, 2).ToArray(),
            "BO early" => raw.Records(2, Bo + Bo).Trailer(2, 0).ToArray(),
            "owed at end" => raw.Records(1, Bo).Trailer(1, 0).ToArray(),
            "bad tag" => raw.Records(1, "92 07 00").Trailer(0, 0).ToArray(),
            "short BO" => raw.Records(1, "93 00 01 02").Trailer(0, 0).ToArray(),
            "count too high" => raw.Records(3, Bo + Vm).Trailer(1, 1).ToArray(),
            "bytes after records" => raw.Records(2, Bo + Vm + "00").Trailer(1, 1).ToArray(),
            "bo count" => raw.Records(2, Bo + Vm).Trailer(2, 1).ToArray(),
            "mapping count" => raw.Records(2, Bo + Vm).Trailer(1, 0).ToArray(),
            "digest" => raw.Records(2, Bo + Vm).Trailer(1, 1, digest: 1).ToArray(),
            "frame count" => raw.Records(2, Bo + Vm).Trailer(1, 1, frames: 9).ToArray(),
            "sequence" => raw.Frame(FrameKind.Records, 2, Convert.FromHexString((Bo + Vm).Replace(" ", "", StringComparison.Ordinal)), sequence: 5).Trailer(1, 1).ToArray(),
            "kind" => raw.Frame((FrameKind)'Q', 0, []).Trailer(0, 0).ToArray(),
            "handle too big" => raw.Records(1, "99 00 CF0000000100000000 00 C0 00 00 00 C0 00").Trailer(1, 0).ToArray(),
            "alignment in v8" => raw.Records(1, "99 00 01 00 C0 00 00 00 05 00").Trailer(1, 0).ToArray(),
            "negative size" => raw.Records(1, "99 00 01 FF C0 00 00 00 C0 00").Trailer(1, 0).ToArray(),
            "no trailer" => raw.Records(2, Bo + Vm).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };

        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        Assert.InRange(e.ByteOffset, 0, image.Length);
    }

    [Fact]
    public async Task AncillaryFrames_AreSkipped()
    {
        byte[] image = new RawImage().Header().Frame((FrameKind)'x', 0, [1, 2, 3]).Records(2, Bo + Vm).Trailer(1, 1).ToArray();
        Assert.Equal(2UL, await Images.ReadAllRecordsAsync(new MemoryStream(image)));
    }

    [Fact]
    public async Task OversizedFrame_IsRefusedBeforeAnythingIsRead()
    {
        RawImage raw = new RawImage().Header();
        byte[] image = [.. raw.ToArray(), .. raw.FrameHeaderOnly(new FrameHeader(FrameKind.Records, 1, FormatLimits.MaxFramePayload + 1u, 0, 0))];
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Contains("exceeds the limit", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderRules_AreEnforced()
    {
        async Task<string> Fails(byte[] map)
        {
            byte[] image = new RawImage().Frame(FrameKind.Header, 1, map).Trailer(0, 0).ToArray();
            return (await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)))).Detail;
        }

        byte[] valid = RawImage.HeaderMap("criu-v8");
        Assert.Contains("lacks the required key \"abi\"", await Fails([0x83, .. valid[13..]]), StringComparison.Ordinal);
        Assert.Contains("criu-v9", await Fails(RawImage.HeaderMap("criu-v9")), StringComparison.Ordinal);
        Assert.Contains("unknown header key \"zz\"", await Fails([0x85, .. valid[1..], 0xA2, (byte)'z', (byte)'z', 0x00]), StringComparison.Ordinal);
        Assert.Contains("appears twice", await Fails([0x85, .. valid[1..], .. valid[1..13]]), StringComparison.Ordinal);
        Assert.Contains("lacks the required key \"image_id\"", await Fails(RawImage.HeaderMap("criu-v8", withImageId: false)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewerMinorVersion_MayAddHeaderKeys_ThatAreSkipped()
    {
        byte[] valid = RawImage.HeaderMap("criu-v8");
        byte[] map = [0x85, .. valid[1..], 0xA2, (byte)'z', (byte)'z', 0x92, 0x01, 0xA1, (byte)'q'];
        byte[] image = new RawImage(new Preamble(1, 7, 0x1, 0, 0)).Frame(FrameKind.Header, 1, map).Trailer(0, 0).ToArray();
        Assert.Equal(0UL, await Images.ReadAllRecordsAsync(new MemoryStream(image)));
    }
}
