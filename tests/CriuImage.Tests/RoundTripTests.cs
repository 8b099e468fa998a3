using System.IO.Pipelines;
using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Property tests: whatever the writer is given, the reader gives back.</summary>
public class RoundTripTests
{
    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 60)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomImages_OfEveryRevision_RoundTrip(int seed)
    {
        var random = new RandomImages(seed);
        AbiRevision abi = (AbiRevision)(seed % 3);
        ImageHeader header = random.NextHeader(abi);
        List<BoEntry> bos = random.NextBos(abi, maxBos: 40, maxMappings: seed % 4 == 0 ? 3000 : 20);

        byte[] image = await Images.WriteAsync(header, bos);
        (ImageHeader readHeader, List<BoEntry> readBos) = await Images.ReadAsync(image);

        Assert.Equal(header, readHeader);
        AssertSameBos(bos, readBos);
    }

    [Theory]
    [InlineData(AbiRevision.Criu2025_06)]
    [InlineData(AbiRevision.CriuV8)]
    [InlineData(AbiRevision.Linux6_18)]
    public async Task EmptyImage_RoundTrips(AbiRevision abi)
    {
        byte[] image = await Images.WriteAsync(new ImageHeader(abi), []);
        await using ImageReader reader = ImageReader.Create(new MemoryStream(image));
        Assert.Equal(abi, (await reader.ReadHeaderAsync()).Abi);
        Assert.False(await reader.ReadFrameAsync());
        Assert.Equal(new Trailer(FrameCount: 1, BoCount: 0, MappingCount: 0, reader.Trailer!.Value.Digest), reader.Trailer);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    public async Task ExtremeValues_InEveryField_RoundTrip(ulong value)
    {
        uint small = value == 0 ? 0 : uint.MaxValue;
        var header = new ImageHeader(AbiRevision.Linux6_18, MappingFlagsKind.Pte)
        {
            Device = new DeviceInfo { RenderMinor = small, PciVendorId = (ushort)small, PciDeviceId = (ushort)small, GcIpVersion = new IpVersion((byte)small, (byte)small, (byte)small), VaBits = 64 },
            Capture = new CaptureInfo { TimeNs = value, Pid = small, Tool = new string('x', 256) },
            ImageId = value == 0 ? UInt128.Zero : UInt128.MaxValue,
        };
        var bo = new BoRecord(small, value, value, value, value, small, value, 2);
        VmRecord[] mappings = [new(value, value, value, value), new(value, value, value, value)];

        byte[] image = await Images.WriteAsync(header, [new BoEntry(bo, mappings)]);
        (ImageHeader readHeader, List<BoEntry> readBos) = await Images.ReadAsync(image);

        Assert.Equal(header, readHeader);
        AssertSameBos([new BoEntry(bo, mappings)], readBos);
    }

    [Fact]
    public async Task TypedOverloads_TakeTheIoctlBuffersAsTheyCome()
    {
        var june = new Criu202506BoBucket { Size = 8192, Offset = 0x100000000, AllocFlags = 9, PreferredDomains = 4, Flags = 1, GemHandle = 3 };
        CriuVmBucket[] juneVms = [new() { Start = 16, Last = 17, Offset = 0, Flags = 6 }];
        var v8 = new CriuV8BoBucket { Size = 4096, AllocFlags = 2, PreferredDomains = 2, Flags = 0, GemHandle = 9 };
        var list = new GemListHandlesEntry { GemHandle = 4, Flags = 1, Size = 1 << 20, PreferredDomains = 1UL << 40, AllocFlags = 8, Alignment = 256 };
        GemVmEntry[] listVms = [new() { Addr = 0x10000, Size = 0x2000, Offset = 0x1000, Flags = 0xE }];

        BoEntry first = await WriteOne(AbiRevision.Criu2025_06, w => w.WriteBo(june, juneVms));
        Assert.Equal(new BoRecord(3, 8192, 0x100000000, 9, 4, 1, null, 1), first.Bo);
        Assert.Equal(new VmRecord(16, 17, 0, 6), first.Mappings.Single());

        BoEntry second = await WriteOne(AbiRevision.CriuV8, w => w.WriteBo(v8, null, []));
        Assert.Equal(new BoRecord(9, 4096, null, 2, 2, 0, null, 0), second.Bo);

        BoEntry third = await WriteOne(AbiRevision.Linux6_18, w => w.WriteBo(list, 0x200000000, listVms));
        Assert.Equal(new BoRecord(4, 1 << 20, 0x200000000, 8, 1UL << 40, 1, 256, 1), third.Bo);
        Assert.Equal(0x10000UL, third.Mappings.Single().Addr);
        Assert.Equal(0x2000UL, third.Mappings.Single().Size);
    }

    [Fact]
    public async Task WriterRejects_BucketsOfAnotherRevision_AndRecordsThatDoNotFit()
    {
        var pipe = new Pipe();
        await using var writer = new ImageWriter(pipe.Writer, new ImageHeader(AbiRevision.CriuV8));
        Assert.Throws<ArgumentException>(() => writer.WriteBo(new Criu202506BoBucket(), []));
        Assert.Throws<ArgumentException>(() => writer.WriteBo(new BoRecord(1, 1, null, 0, 1UL << 32, 0, null, 0), []));
        Assert.Throws<ArgumentException>(() => writer.WriteBo(new BoRecord(1, 1, null, 0, 0, 0, 4, 0), []));
        Assert.Throws<ArgumentException>(() => new ImageWriter(new Pipe().Writer, new ImageHeader(AbiRevision.CriuV8) { GpuPageSize = 4095 }));
        Assert.Throws<ArgumentException>(() => new ImageWriter(new Pipe().Writer, new ImageHeader(AbiRevision.CriuV8) { Capture = new CaptureInfo { Tool = new string('x', 257) } }));
    }

    [Fact]
    public async Task WriterAfterComplete_RefusesMore()
    {
        var pipe = new Pipe();
        await using var writer = new ImageWriter(pipe.Writer, new ImageHeader(AbiRevision.CriuV8));
        await writer.CompleteAsync();
        Assert.Throws<InvalidOperationException>(() => writer.WriteBo(new CriuV8BoBucket(), null, []));
    }

    internal static void AssertSameBos(IReadOnlyList<BoEntry> expected, IReadOnlyList<BoEntry> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Bo, actual[i].Bo);
            Assert.Equal(expected[i].Mappings, actual[i].Mappings);
        }
    }

    private static async Task<BoEntry> WriteOne(AbiRevision abi, Action<ImageWriter> write)
    {
        using var stream = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(stream, new ImageHeader(abi), leaveOpen: true))
        {
            write(writer);
            await writer.CompleteAsync();
        }

        (_, List<BoEntry> bos) = await Images.ReadAsync(stream.ToArray());
        return Assert.Single(bos);
    }
}
