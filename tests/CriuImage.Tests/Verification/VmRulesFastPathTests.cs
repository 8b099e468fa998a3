using CriuImage.Abi;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>The fast path of the mapping checks takes only mappings the full checks find nothing in, and gives the same range.</summary>
public class VmRulesFastPathTests
{
    public static TheoryData<AbiRevision, MappingFlagsKind, string?> Headers => new()
    {
        { AbiRevision.Criu2025_06, MappingFlagsKind.Uapi, null },
        { AbiRevision.CriuV8, MappingFlagsKind.Uapi, null },
        { AbiRevision.CriuV8, MappingFlagsKind.Pte, "9.4.2" },
        { AbiRevision.CriuV8, MappingFlagsKind.Pte, "12.0.1" },
        { AbiRevision.CriuV8, MappingFlagsKind.Pte, null },
        { AbiRevision.Linux6_18, MappingFlagsKind.Uapi, null },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void FastPath_AgreesWithTheFullChecks(AbiRevision abi, MappingFlagsKind kind, string? gc)
    {
        var header = new ImageHeader(abi, kind) { Device = gc is null ? null : new DeviceInfo { GcIpVersion = IpVersion.TryParse(gc, out IpVersion? ip) ? ip : null } };
        var fast = new VmRules(header);
        var full = new VmRules(header, null, fastPath: false);
        var random = new Random(abi.GetHashCode() ^ kind.GetHashCode() ^ (gc?.Length ?? 0));
        ulong[] flagChoices = [0, 1, 2, 6, 0xE, 0x10, 0x12, 0x26, 0x46, 0x66, 0x86, 0xA6, 0xC6, 0x206, 0x3EF, 0x400, 0x71, 0x61, 1UL << 51, 0x71 | (1UL << 56), 0x71 | (7UL << 48)];
        // Edges of the reserved bottom and 2 MiB, the GMC hole (2^35 pages), the reserved top (2^36 - 0x402) and 64 bits.
        ulong[] pageChoices = [0, 1, 15, 16, 511, 512, 4096, (1UL << 35) - 1, 1UL << 35, (1UL << 36) - 0x403, (1UL << 36) - 0x402, (1UL << 36) - 1, 1UL << 36, 0xFFFF8000000, (1UL << 51) - 1, 1UL << 52, ulong.MaxValue];
        for (int i = 0; i < 20000; i++)
        {
            ulong start = Pick(random, pageChoices);
            ulong pages = (ulong)random.Next(0, 4) == 0 ? Pick(random, pageChoices) : (ulong)random.Next(0, 40);
            ulong offset = Pick(random, [0, 4096, 8192, 100, ulong.MaxValue]);
            ulong flags = flagChoices[random.Next(flagChoices.Length)];
            var vm = abi.MappingsInBytes()
                ? new VmRecord(unchecked(start * 4096) + (ulong)(random.Next(8) == 0 ? 1 : 0), unchecked(pages * 4096), offset, flags)
                : new VmRecord(start, unchecked(start + pages - 1), offset, flags);
            var bo = new BoRecord(1, Pick(random, [0, 4096, 1UL << 20, 1UL << 40, ulong.MaxValue]), null, 0, 4, 0, null, 1);

            var fastBag = new DiagnosticBag(100);
            var fullBag = new DiagnosticBag(100);
            MappingRange? fastRange = fast.Check(vm, 0, bo, 0, 0, fastBag);
            MappingRange? fullRange = full.Check(vm, 0, bo, 0, 0, fullBag);
            Assert.Equal(fullRange, fastRange);
            Assert.Equal(fullBag.Listed.Select(d => d.Message), fastBag.Listed.Select(d => d.Message));
        }
    }

    private static ulong Pick(Random random, ulong[] values) => values[random.Next(values.Length)];
}
