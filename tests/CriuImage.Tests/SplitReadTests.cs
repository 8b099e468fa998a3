using CriuImage.Abi;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>A reader over a slow or one-byte-at-a-time stream gives the same result as over a file.</summary>
public class SplitReadTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(27)]
    [InlineData(4093)]
    public async Task TrickledStreams_ReadLikeWholeOnes(int chunk)
    {
        List<BoEntry> bos = new RandomImages(chunk).NextBos(AbiRevision.Criu2025_06, 20, 400);
        byte[] image = await Images.WriteAsync(new ImageHeader(AbiRevision.Criu2025_06), bos);
        (_, List<BoEntry> whole) = await Images.ReadAsync(image);
        (_, List<BoEntry> trickled) = await Images.ReadAsync(Images.Trickle(image, chunk));
        RoundTripTests.AssertSameBos(whole, trickled);
    }

    [Fact]
    public async Task EverySplitPoint_OfEveryFixture_ReadsTheSame()
    {
        foreach (string fixture in RepoPaths.FixtureNames)
        {
            byte[] image = Images.Fixture(fixture);
            (_, List<BoEntry> expected) = await Images.ReadAsync(image);
            for (int split = 1; split < image.Length; split++)
            {
                (_, List<BoEntry> actual) = await Images.ReadAsync(new TwoPartStream(image, split));
                RoundTripTests.AssertSameBos(expected, actual);
            }
        }
    }

    /// <summary>Returns the first <c>split</c> bytes in the first read, the rest after.</summary>
    private sealed class TwoPartStream(byte[] bytes, int split) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int limit = Position < split ? (int)(split - Position) : buffer.Length;
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, limit)], cancellationToken);
        }
    }
}
