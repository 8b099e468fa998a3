using System.Buffers.Binary;
using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>
/// Format 1.1's promise (FORMAT.md section 6): a frame taken from another image, frames reordered, one dropped
/// or one repeated, each with sequence numbers and CRCs fixed up, is detected by the strict reader and by
/// verify, which name the frame. Format 1.0, still read, could not: its digest depends only on the frame count.
/// </summary>
public class FrameIdentityTests
{
    private const string Bo1 = "99 00 01 CD2000 C0 00 04 00 C0 01 95 01 CD1000 CD1001 00 06";
    private const string Bo2 = "99 00 02 CD2000 C0 00 04 00 C0 01 95 01 CD1002 CD1003 00 06";

    private static readonly UInt128 IdA = new(0xaaaa_0000_0000_0001, 2);
    private static readonly UInt128 IdB = new(0xbbbb_0000_0000_0001, 2);

    /// <summary>An image of several record frames whose BOs (of 3000 mappings) straddle frame boundaries.</summary>
    private static Task<byte[]> Image(UInt128 id, ulong flags = 0x71)
    {
        List<BoEntry> bos = [.. Enumerable.Range(1, 12).Select(i => new BoEntry(new BoRecord((uint)i, 1 << 20, null, 0, 4, 0, null, 3000), Mappings(i, flags)))];
        return Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8) { ImageId = id }, bos);
    }

    private static VmRecord[] Mappings(int bo, ulong flags) =>
        [.. Enumerable.Range(0, 3000).Select(m => new VmRecord((ulong)((bo * 0x100000) + (m * 16)), (ulong)((bo * 0x100000) + (m * 16) + 15), 0, flags))];

    public static TheoryData<string> Tamperings => ["splice", "reorder", "drop", "repeat"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task TamperedFrames_WithSequencesAndCrcsFixedUp_AreDetected_ByTheReaderAndByVerify(string tampering)
    {
        byte[] image = await Image(IdA);
        (byte[] tampered, int frame, long offset, string reader, string code) = tampering switch
        {
            // A valid frame 1 of another image: its header CRC is seeded with the other id.
            "splice" => Replace(image, 1, Frame(await Image(IdB, flags: 0x73), 1), IdA, reseal: false, 1, 0, "CRC32C mismatch", "CRI006"),
            "reorder" => Swap(image, 1, 2),
            "drop" => Remove(image, 2),
            "repeat" => Repeat(image, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(tampering)),
        };

        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(tampered)));
        Assert.Equal(offset, e.ByteOffset);
        Assert.Equal(frame, e.Frame);
        Assert.Contains(reader, e.Detail, StringComparison.Ordinal);

        FileReport report = ImageVerifier.Verify(tampered, "tampered.img");
        Diagnostic first = report.Diagnostics.First(d => d.Descriptor.Id == code);
        Assert.Equal(code, first.Descriptor.Id);
        Assert.Equal(offset, first.ByteOffset);
        Assert.Contains($"frame {frame}", first.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_WithEvenTheLinksFixedUp_IsCaughtByTheTrailerDigest_AtItsValue()
    {
        // Two record frames, each a whole BO with its mapping, so that the records alone cannot tell.
        byte[] image = new RawImage(imageId: IdA).Header().Records(2, Bo1).Records(2, Bo2).Trailer(2, 2).ToArray();
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(image);
        byte[] tampered = Reseal([.. image[..frames[1].Offset], .. Frame(image, 2), .. Frame(image, 1), .. image[frames[3].Offset..]], IdA, relink: true);
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(tampered)));
        Assert.Contains("digest", e.Detail, StringComparison.Ordinal);
        Assert.Equal(tampered.Length - 5, e.ByteOffset); // the digest is the trailer's last value, a uint32 (ce + 4 bytes)
        Assert.Contains(ImageVerifier.Verify(tampered, "t.img").Diagnostics, d => d.Descriptor.Id == "CRI014" && d.ByteOffset == tampered.Length - 5);
    }

    [Fact]
    public async Task Format10_ReorderedWithSequencesAndCrcsFixedUp_PassesUnseen_WhichIsWhy11Exists()
    {
        // Two record frames, each a whole BO with its mapping, swapped: every check of 1.0 passes.
        byte[] a = new RawImage(Preamble.Version1_0).Header().Records(2, Bo1).Records(2, Bo2).Trailer(2, 2).ToArray();
        byte[] b = new RawImage(Preamble.Version1_0).Header().Records(2, Bo2).Records(2, Bo1).Trailer(2, 2).ToArray();
        Assert.Equal(a[^4..], b[^4..]); // the same digest: it never saw the frames' contents
        Assert.Equal(4UL, await Images.ReadAllRecordsAsync(new MemoryStream(b)));

        FileReport report = ImageVerifier.Verify(b, "v10.img");
        Assert.Equal(["CRI016"], report.Diagnostics.Select(d => d.Descriptor.Id));
    }

    [Fact]
    public async Task TwoImagesOfTheSameRecords_DifferInTheirIds_AndEveryFrameAfterTheHeader()
    {
        byte[] a = await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8), []);
        byte[] b = await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8), []);
        (ImageHeader ha, _) = await Images.ReadAsync(a);
        (ImageHeader hb, _) = await Images.ReadAsync(b);
        Assert.NotNull(ha.ImageId);
        Assert.NotEqual(ha.ImageId, hb.ImageId);
        Assert.NotEqual(a[^8..], b[^8..]);
    }

    [Fact]
    public async Task Format10Fixtures_StillRead_AsTheSameRecords()
    {
        foreach (string name in RepoPaths.FixtureNames)
        {
            (ImageHeader old, List<BoEntry> oldBos) = await Images.ReadAsync(Images.Fixture("v1.0/" + name));
            (ImageHeader current, List<BoEntry> bos) = await Images.ReadAsync(Images.Fixture(name));
            Assert.Null(old.ImageId);
            Assert.Equal(current with { ImageId = null }, old);
            Assert.Equal(bos.Select(b => (b.Bo, b.Mappings.Length)), oldBos.Select(b => (b.Bo, b.Mappings.Length)));
            Assert.Equal(bos.SelectMany(b => b.Mappings), oldBos.SelectMany(b => b.Mappings));
        }
    }

    private static (byte[], int, long, string, string) Replace(byte[] image, int index, byte[] frame, UInt128 id, bool reseal, int reportFrame, int at, string message, string code)
    {
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(image);
        byte[] tampered = [.. image[..frames[index].Offset], .. frame, .. image[(frames[index].Offset + FrameHeader.Size + frames[index].Length)..]];
        if (reseal)
        {
            tampered = Reseal(tampered, id, relink: false);
        }

        return (tampered, reportFrame, frames[index].Offset + at, message, code);
    }

    private static (byte[], int, long, string, string) Swap(byte[] image, int first, int second)
    {
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(image);
        byte[] swapped = [.. image[..frames[first].Offset], .. Frame(image, second), .. Frame(image, first), .. image[frames[second + 1].Offset..]];
        return (Reseal(swapped, IdA, relink: false), first, frames[first].Offset + 6, "does not follow the frames before it", "CRI008");
    }

    private static (byte[], int, long, string, string) Remove(byte[] image, int index)
    {
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(image);
        byte[] removed = [.. image[..frames[index].Offset], .. image[frames[index + 1].Offset..]];
        return (Reseal(removed, IdA, relink: false), index, frames[index].Offset + 6, "does not follow the frames before it", "CRI008");
    }

    private static (byte[], int, long, string, string) Repeat(byte[] image, int index)
    {
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(image);
        byte[] repeated = [.. image[..frames[index + 1].Offset], .. Frame(image, index), .. image[frames[index + 1].Offset..]];
        return (Reseal(repeated, IdA, relink: false), index + 1, frames[index + 1].Offset + 6, "does not follow the frames before it", "CRI008");
    }

    internal static byte[] Frame(byte[] image, int index)
    {
        (_, int offset, int length, _) = FramingTests.Frames(image)[index];
        return image[offset..(offset + FrameHeader.Size + length)];
    }

    /// <summary>
    /// What a tool that moves frames would do to keep each one valid on its own: renumber the sequences and
    /// recompute each header CRC with the image's seed; with <paramref name="relink"/> also the links.
    /// </summary>
    internal static byte[] Reseal(byte[] image, UInt128 id, bool relink)
    {
        FrameChain chain = FrameChain.ForImageId(id);
        uint sequence = 0;
        foreach ((FrameKind kind, int offset, _, _) in FramingTests.Frames(image))
        {
            Span<byte> header = image.AsSpan(offset, FrameHeader.Size);
            bool first = sequence == 0;
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence++);
            if (relink && !first)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header[6..], chain.NextLink);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], ~Crc32C.Append(first ? ~0u : chain.HeaderSeed, header[..24]));
            if (kind != FrameKind.Trailer)
            {
                chain.Add(header);
            }
        }

        return image;
    }
}

/// <summary>The CRIU identities format 1.1 can carry for an imported dump: gpu_id, CRIU's file id, each BO's addr.</summary>
public class CriuIdentityFieldTests
{
    private static readonly ImageHeader Header = new(AbiRevision.CriuV8)
    {
        ImageId = 7,
        Device = new DeviceInfo { RenderMinor = 128, GpuId = 0xc4d2 },
        Capture = new CaptureInfo { Pid = 42, CriuFileId = 11 },
    };

    private static readonly BoEntry[] Bos =
    [
        new(new BoRecord(1, 4096, null, 0, 4, 0, null, 1) { Addr = 0x7f00_0000_0000 }, [new VmRecord(0x7f00_0000, 0x7f00_0000, 0, 0x71)]),
        new(new BoRecord(2, 4096, null, 0, 4, 0, null, 0), []),
    ];

    [Fact]
    public async Task TheyRoundTrip_ThroughTheImage_TheJson_AndThePythonReader()
    {
        byte[] image = await Images.WriteAsync(Header, Bos);
        (ImageHeader header, List<BoEntry> bos) = await Images.ReadAsync(image);
        Assert.Equal(Header, header);
        Assert.Equal(0x7f00_0000_0000UL, bos[0].Bo.Addr);
        Assert.Null(bos[1].Bo.Addr);

        string json = await GoldenTests.Decode(image);
        Assert.Contains("\"gpu_id\": 50386", json, StringComparison.Ordinal);
        Assert.Contains("\"criu_file_id\": 11", json, StringComparison.Ordinal);
        Assert.Contains("\"addr\": 139637976727552", json, StringComparison.Ordinal);
        Assert.Equal(image, await GoldenTests.Encode(System.Text.Encoding.UTF8.GetBytes(json)));

        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, image);
            string python = PythonRunner.Run("read_image.py", path);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(json), System.Text.Json.Nodes.JsonNode.Parse(python)), python);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A10Image_RefusesThem()
    {
        const string boWithAddr = "9A 00 01 CD1000 C0 00 04 00 C0 00 CF00007F0000000000";
        byte[] image = new RawImage(Preamble.Version1_0).Header().Records(1, boWithAddr).Trailer(1, 0).ToArray();
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Contains("BO record array of 9 elements, found 10", e.Detail, StringComparison.Ordinal);

        byte[] current = new RawImage().Header().Records(1, boWithAddr).Trailer(1, 0).ToArray();
        Assert.Equal(1UL, await Images.ReadAllRecordsAsync(new MemoryStream(current)));
    }
}
