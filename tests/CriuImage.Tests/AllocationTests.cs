using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>The hot paths allocate nothing per record once warm.</summary>
public class AllocationTests
{
    [Fact]
    public void Writer_AllocatesNothing_PerBoOrMapping()
    {
        var sink = new NullPipeWriter();
        var writer = new ImageWriter(sink, new ImageHeader(AbiRevision.CriuV8));
        CriuVmBucket[] mappings = new CriuVmBucket[1000];
        for (int i = 0; i < mappings.Length; i++)
        {
            mappings[i] = new CriuVmBucket { Start = (ulong)i << 20, Last = ((ulong)i << 20) + 15, Offset = (ulong)i * 4096, Flags = 0xE };
        }

        var bo = new CriuV8BoBucket { GemHandle = 1, Size = 1UL << 32, AllocFlags = 8, PreferredDomains = 4 };
        for (int i = 0; i < 200; i++)
        {
            writer.WriteBo(bo, 0x100000000, mappings);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            writer.WriteBo(bo, 0x100000000, mappings);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sink.Written > 2000L * 1000 * 15, "the records were written");
    }

    [Fact]
    public async Task Reader_AllocatesNothing_PerRecord()
    {
        List<BoEntry> bos = new RandomImages(3).NextBos(AbiRevision.Linux6_18, 30, 3000);
        byte[] image = await Images.WriteAsync(new ImageHeader(AbiRevision.Linux6_18), bos);

        // A first pass warms the record path up (first calls, tier-up), as the writer test does.
        await ReadAllRecordsAsync(image);
        (ulong records, long allocated) = await ReadAllRecordsAsync(image);

        Assert.Equal((ulong)(bos.Count + bos.Sum(b => b.Mappings.Length)), records);
        Assert.Equal(0, allocated);
    }

    /// <summary>Reads every record of <paramref name="image"/>; counts the bytes allocated inside the record loops only.</summary>
    private static async Task<(ulong Records, long Allocated)> ReadAllRecordsAsync(byte[] image)
    {
        await using ImageReader reader = ImageReader.Create(new MemoryStream(image));
        await reader.ReadHeaderAsync();
        long allocated = 0;
        ulong records = 0;
        while (await reader.ReadFrameAsync())
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            while (reader.TryReadRecord(out RecordTag _))
            {
                records++;
            }

            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return (records, allocated);
    }
}
