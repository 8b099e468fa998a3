using CriuImage.MessagePack;

namespace CriuImage.Tests;

public class MessagePackReaderTests
{
    // Every valid encoding of an unsigned value is accepted, not only the shortest.
    [Theory]
    [InlineData("05", 5UL)]
    [InlineData("CC05", 5UL)]
    [InlineData("CD0005", 5UL)]
    [InlineData("CE00000005", 5UL)]
    [InlineData("CF0000000000000005", 5UL)]
    [InlineData("D005", 5UL)]
    [InlineData("D10005", 5UL)]
    [InlineData("D200000005", 5UL)]
    [InlineData("D30000000000000005", 5UL)]
    [InlineData("D37FFFFFFFFFFFFFFF", 0x7FFFFFFFFFFFFFFFUL)]
    [InlineData("CFFFFFFFFFFFFFFFFF", ulong.MaxValue)]
    public void ReadUInt64_AcceptsEveryEncoding(string hex, ulong expected)
    {
        var reader = new MessagePackReader(Convert.FromHexString(hex), 0, null);
        Assert.Equal(expected, reader.ReadUInt64("value"));
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData("FF", "negative integer")]
    [InlineData("E0", "negative integer")]
    [InlineData("D0FF", "negative integer")]
    [InlineData("D38000000000000000", "negative integer")]
    [InlineData("CA00000000", "float")]
    [InlineData("C1", "never-used")]
    [InlineData("A161", "fixstr")]
    [InlineData("C0", "nil")]
    [InlineData("D70000000000000000000000", "fixext")]
    public void ReadUInt64_RejectsOtherTypes_AtTheValuesOffset(string hex, string found)
    {
        byte[] bytes = Convert.FromHexString(hex);
        ImageFormatException e = Assert.Throws<ImageFormatException>(() =>
        {
            var reader = new MessagePackReader(bytes, 1000, 7);
            reader.ReadUInt64("size");
        });
        Assert.Equal(1000, e.ByteOffset);
        Assert.Equal(7, e.Frame);
        Assert.Contains("size", e.Detail, StringComparison.Ordinal);
        Assert.Contains(found, e.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("CC")]
    [InlineData("CD00")]
    [InlineData("CE000000")]
    [InlineData("CF00000000000000")]
    public void ReadUInt64_Truncated_Throws(string hex) =>
        Assert.Throws<ImageFormatException>(() => new MessagePackReader(Convert.FromHexString(hex), 0, null).ReadUInt64("value"));

    [Fact]
    public void ReadUInt64_WithMax_RejectsLargerValues_AndLeavesThePosition()
    {
        var reader = new MessagePackReader(Convert.FromHexString("CF0000000100000000"), 50, null);
        ImageFormatException? caught = null;
        try
        {
            reader.ReadUInt32("gem_handle");
        }
        catch (ImageFormatException e)
        {
            caught = e;
        }

        Assert.NotNull(caught);
        Assert.Equal(50, caught.ByteOffset);
        Assert.Contains("4294967296", caught.Detail, StringComparison.Ordinal);
        Assert.Equal(50, reader.Offset);
    }

    // CWE-789 (memory allocation with excessive size value): a declared count is checked against the
    // bytes actually left before anything trusts it.
    [Theory]
    [InlineData("DDFFFFFFFF")]
    [InlineData("DFFFFFFFFF")]
    [InlineData("DC0003 01 02")]
    [InlineData("DE0002 01 02 03")]
    public void ContainerHeaders_WithCountsBeyondThePayload_AreRejected(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        ImageFormatException e = Assert.Throws<ImageFormatException>(() =>
        {
            var reader = new MessagePackReader(bytes, 0, null);
            if (bytes[0] is 0xDC or 0xDD)
            {
                reader.ReadArrayHeader("list");
            }
            else
            {
                reader.ReadMapHeader("map");
            }
        });
        Assert.Contains("bytes are left", e.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DBFFFFFFFF61")]
    [InlineData("D905616263")]
    [InlineData("C6FFFFFFFF00")]
    public void StrAndBin_WithLengthsBeyondThePayload_AreRejected(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.Throws<ImageFormatException>(() =>
        {
            var reader = new MessagePackReader(bytes, 0, null);
            if (bytes[0] == 0xC6)
            {
                reader.ReadBinary("blob");
            }
            else
            {
                reader.ReadString("name", int.MaxValue);
            }
        });
    }

    [Fact]
    public void ReadString_RejectsInvalidUtf8_AndOverlongStrings()
    {
        Assert.Throws<ImageFormatException>(() => new MessagePackReader(Convert.FromHexString("A2C328"), 0, null).ReadString("tool", 256));
        Assert.Throws<ImageFormatException>(() => new MessagePackReader(Convert.FromHexString("A3616263"), 0, null).ReadString("tool", 2));
        Assert.Equal("€", new MessagePackReader(Convert.FromHexString("D903E282AC"), 0, null).ReadString("tool", 256));
    }

    [Theory]
    [InlineData("93010203", 4)]
    [InlineData("82A16101A162C0", 7)]
    [InlineData("C70201AAAA", 5)]
    [InlineData("CB0000000000000000", 9)]
    [InlineData("D4010A", 3)]
    [InlineData("DC0001 91 91 80", 6)]
    public void Skip_PassesOverWholeValues(string hex, int length)
    {
        byte[] bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var reader = new MessagePackReader(bytes, 0, null);
        reader.Skip("value", 8);
        Assert.Equal(length, reader.Consumed);
    }

    [Fact]
    public void Skip_BoundsNesting()
    {
        byte[] deep = Enumerable.Repeat((byte)0x91, 100).Append((byte)0x00).ToArray();
        ImageFormatException e = Assert.Throws<ImageFormatException>(() => new MessagePackReader(deep, 0, null).Skip("value", 8));
        Assert.Contains("nested too deeply", e.Detail, StringComparison.Ordinal);
    }
}
