using CriuImage.MessagePack;

namespace CriuImage.Tests;

/// <summary>Shortest-form encodings at every format boundary of the MessagePack specification ("Formats").</summary>
public class MessagePackWriterTests
{
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(0x7FUL, "7F")]
    [InlineData(0x80UL, "CC80")]
    [InlineData(0xFFUL, "CCFF")]
    [InlineData(0x100UL, "CD0100")]
    [InlineData(0xFFFFUL, "CDFFFF")]
    [InlineData(0x10000UL, "CE00010000")]
    [InlineData(0xFFFFFFFFUL, "CEFFFFFFFF")]
    [InlineData(0x100000000UL, "CF0000000100000000")]
    [InlineData(ulong.MaxValue, "CFFFFFFFFFFFFFFFFF")]
    public void WriteUInt64_UsesTheShortestForm(ulong value, string hex) =>
        Assert.Equal(hex, Encode((ref MessagePackWriter w) => w.WriteUInt64(value)));

    [Theory]
    [InlineData(0u, "90")]
    [InlineData(15u, "9F")]
    [InlineData(16u, "DC0010")]
    [InlineData(0xFFFFu, "DCFFFF")]
    [InlineData(0x10000u, "DD00010000")]
    public void WriteArrayHeader_UsesTheShortestForm(uint count, string hex) =>
        Assert.Equal(hex, Encode((ref MessagePackWriter w) => w.WriteArrayHeader(count)));

    [Theory]
    [InlineData(0u, "80")]
    [InlineData(15u, "8F")]
    [InlineData(16u, "DE0010")]
    [InlineData(0x10000u, "DF00010000")]
    public void WriteMapHeader_UsesTheShortestForm(uint count, string hex) =>
        Assert.Equal(hex, Encode((ref MessagePackWriter w) => w.WriteMapHeader(count)));

    [Theory]
    [InlineData(0, "A0")]
    [InlineData(31, "BF")]
    [InlineData(32, "D920")]
    [InlineData(255, "D9FF")]
    [InlineData(256, "DA0100")]
    [InlineData(65536, "DB00010000")]
    public void WriteString_UsesTheShortestHeader(int length, string headerHex)
    {
        string hex = Encode((ref MessagePackWriter w) => w.WriteString(new string('a', length)));
        Assert.StartsWith(headerHex, hex, StringComparison.Ordinal);
        Assert.Equal(headerHex.Length + (2 * length), hex.Length);
    }

    [Theory]
    [InlineData(0, "C400")]
    [InlineData(255, "C4FF")]
    [InlineData(256, "C50100")]
    [InlineData(65536, "C600010000")]
    public void WriteBinary_UsesTheShortestHeader(int length, string headerHex) =>
        Assert.StartsWith(headerHex, Encode((ref MessagePackWriter w) => w.WriteBinary(new byte[length])), StringComparison.Ordinal);

    [Fact]
    public void NilAndBooleans() => Assert.Equal("C0C2C3", Encode((ref MessagePackWriter w) =>
    {
        w.WriteNil();
        w.WriteBoolean(false);
        w.WriteBoolean(true);
    }));

    [Fact]
    public void WriteString_EncodesUtf8() => Assert.Equal("A3E282AC", Encode((ref MessagePackWriter w) => w.WriteString("€")));

    private delegate void WriteAction(ref MessagePackWriter writer);

    private static string Encode(WriteAction write)
    {
        byte[] buffer = new byte[70000];
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        return Convert.ToHexString(buffer, 0, writer.Written);
    }
}
