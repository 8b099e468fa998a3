using CriuImage.IO;

namespace CriuImage.Tests;

/// <summary>
/// <see cref="ScratchArray{T}"/>: records appended past the chunks held in memory are read back by index from its
/// scratch file, in any order, through more chunks than it caches, the chunk still being filled among them.
/// </summary>
public class ScratchArrayTests
{
    [Theory]
    [InlineData(0, 100_000)]
    [InlineData(1, 3 * ScratchArray<long>.ChunkSize)] // the last chunk full: written, none filling
    [InlineData(2, (20 * ScratchArray<long>.ChunkSize) + 5)]
    public void Records_ReadBack_AsAppended(int heldChunks, int count)
    {
        using var array = new ScratchArray<(uint, long)>(heldChunks);
        for (int i = 0; i < count; i++)
        {
            array.Add(((uint)i * 7, -i));
            if (i % 9_973 == 0)
            {
                Assert.Equal(((uint)i * 7, (long)-i), array[i]);
            }
        }

        Assert.Equal(count, array.Count);
        var random = new Random(count);
        for (int n = 0; n < 20_000; n++)
        {
            int i = n % 3 == 0 ? count - 1 - (n % 50) : random.Next(count);
            Assert.Equal(((uint)i * 7, (long)-i), array[i]);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => array[count]);
    }
}
