using CriuImage.Abi;

namespace CriuImage.Tests;

public class NormalizedMappingTests
{
    [Theory]
    [InlineData(AbiRevision.CriuV8, 16UL, 17UL, NormalizeResult.Success, 16UL, 17UL)]
    [InlineData(AbiRevision.Criu2025_06, 5UL, 5UL, NormalizeResult.Success, 5UL, 5UL)]
    [InlineData(AbiRevision.CriuV8, 6UL, 5UL, NormalizeResult.Empty, 0UL, 0UL)]
    [InlineData(AbiRevision.CriuV8, 0UL, (1UL << 52) - 1, NormalizeResult.Success, 0UL, (1UL << 52) - 1)]
    [InlineData(AbiRevision.CriuV8, 0UL, 1UL << 52, NormalizeResult.Overflow, 0UL, 0UL)]
    [InlineData(AbiRevision.CriuV8, ulong.MaxValue, ulong.MaxValue, NormalizeResult.Overflow, 0UL, 0UL)]
    [InlineData(AbiRevision.Linux6_18, 0x10000UL, 0x2000UL, NormalizeResult.Success, 16UL, 17UL)]
    [InlineData(AbiRevision.Linux6_18, 0x10000UL, 0UL, NormalizeResult.Empty, 0UL, 0UL)]
    [InlineData(AbiRevision.Linux6_18, 0x10001UL, 0x1000UL, NormalizeResult.Misaligned, 0UL, 0UL)]
    [InlineData(AbiRevision.Linux6_18, 0x10000UL, 0x1001UL, NormalizeResult.Misaligned, 0UL, 0UL)]
    [InlineData(AbiRevision.Linux6_18, 0xFFFFFFFFFFFFF000UL, 0x1000UL, NormalizeResult.Success, 0xFFFFFFFFFFFFFUL, 0xFFFFFFFFFFFFFUL)]
    [InlineData(AbiRevision.Linux6_18, 0xFFFFFFFFFFFFF000UL, 0x2000UL, NormalizeResult.Overflow, 0UL, 0UL)]
    public void TryCreate_ConvertsOrSaysWhyNot(AbiRevision abi, ulong first, ulong second, NormalizeResult result, ulong start, ulong last)
    {
        var vm = new VmRecord(first, second, 0x1000, 6);
        Assert.Equal(result, NormalizedMapping.TryCreate(vm, abi, 4096, out NormalizedMapping mapping));
        if (result == NormalizeResult.Success)
        {
            Assert.Equal(new NormalizedMapping(start, last, 0x1000, 6), mapping);
            Assert.Equal(vm, mapping.ToRecord(abi, 4096));
        }
        else
        {
            Assert.Equal(default, mapping);
        }
    }

    [Fact]
    public void PageCount_CoversTheWholeSpace() =>
        Assert.Equal(UInt128.One << 64, new NormalizedMapping(0, ulong.MaxValue, 0, 0).PageCount);

    [Fact]
    public void ToRecord_InBytes_RefusesWhatDoesNotFit() =>
        Assert.Throws<OverflowException>(() => new NormalizedMapping(1UL << 52, 1UL << 52, 0, 0).ToRecord(AbiRevision.Linux6_18, 4096));
}
