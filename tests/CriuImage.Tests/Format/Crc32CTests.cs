using System.Text;

namespace CriuImage.Tests;

public class Crc32CTests
{
    // Check value of the CRC-32C (iSCSI) catalogue entry, and the RFC 3720 appendix B.4 vectors.
    [Theory]
    [InlineData("313233343536373839", 0xE3069283u)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", 0x8A9136AAu)]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0x62A8AB43u)]
    [InlineData("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 0x46DD794Eu)]
    [InlineData("", 0u)]
    public void Compute_MatchesPublishedVectors(string hex, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Convert.FromHexString(hex)));

    [Fact]
    public void Append_AcrossAnySplit_EqualsOneShot()
    {
        byte[] data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, twice over.");
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            uint state = Crc32C.Append(~0u, data.AsSpan(0, split));
            Assert.Equal(whole, ~Crc32C.Append(state, data.AsSpan(split)));
        }
    }
}
