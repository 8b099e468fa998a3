using System.Text.Json.Nodes;
using CriuImage.Abi;
using CriuImage.Reporting;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>show</c>, <c>diff</c> and <c>stats</c>: what operators expect of crit and checkpointctl (issue 12).</summary>
public sealed class InspectionCommandTests : TempFolder
{
    private static readonly string Criu202506 = Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img");

    [Fact]
    public async Task Show_ListsEveryBoAndMapping_WithNamedFlags_HumanSizes_AndHexAddresses()
    {
        (int code, string output, string error) = await Cli.Run("show", Criu202506);
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("         1    2.00 MiB  VRAM          0x0000000100000000  CPU_ACCESS_REQUIRED|VRAM_CLEARED\n", output, StringComparison.Ordinal);
        Assert.Contains("            0x0000000100000000  0x0000000100200000     2.00 MiB  0x0000000000000000  READABLE|WRITEABLE|EXECUTABLE\n", output, StringComparison.Ordinal);
        Assert.Contains("         3    4.00 KiB  GTT           0x0000000100210000  0 [IMPORT]\n", output, StringComparison.Ordinal);
        Assert.EndsWith("3 BOs, 2.07 MiB (2166784 bytes); 3 mappings\n", output, StringComparison.Ordinal);

        (_, output, _) = await Cli.Run("show", Path.Combine(RepoPaths.Fixtures, "linux-6.18.img"));
        Assert.Contains("READABLE|WRITEABLE|MTYPE_NC", output, StringComparison.Ordinal);
        Assert.Contains("GTT|VRAM", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Json_HasRawValuesBesideNames()
    {
        (int code, string output, _) = await Cli.Run("show", "--format", "json", Criu202506);
        Assert.Equal(0, code);
        JsonArray bos = JsonNode.Parse(output)!["bos"]!.AsArray();
        Assert.Equal(3, bos.Count);
        Assert.Equal("0x9", bos[0]!["alloc_flags"]!["value"]!.GetValue<string>());
        Assert.Equal(["CPU_ACCESS_REQUIRED", "VRAM_CLEARED"], bos[0]!["alloc_flags"]!["names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("0x100000000", bos[0]!["mappings"]![0]!["address"]!.GetValue<string>());
    }

    [Fact]
    public async Task Show_EscapesTheCaptureTool()
    {
        string image = Path.Combine(Folder, "x.img");
        var header = new ImageHeader(AbiRevision.CriuV8) { Capture = new CaptureInfo { Tool = "evil\x1b]0;pwned\x07\nok" } };
        File.WriteAllBytes(image, await Images.WriteAsync(header, []));
        (int code, string output, _) = await Cli.Run("show", image);
        Assert.Equal(0, code);
        Assert.DoesNotContain('\x1b', output);
        Assert.Contains("tool evil\\e]0;pwned\\x07\\nok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_OfAnImageWithItself_IsEmpty_AndExit0()
    {
        (int code, string output, string error) = await Cli.Run("diff", Criu202506, Criu202506);
        Assert.Equal((0, "", ""), (code, output, error));
    }

    [Fact]
    public async Task Diff_NamesBosByHandle_AndMappingsByAddress_AndExits1()
    {
        var bo = new BoRecord(1, 0x10000, 0x1000000, 0, (ulong)GemDomains.Vram, 0, null, 1);
        string a = await Write("a.img", [new BoEntry(bo, [new VmRecord(0x100, 0x10f, 0, 0x6)]), new BoEntry(bo with { GemHandle = 2, Offset = 0x2000000, MappingCount = 0 }, [])]);
        string b = await Write("b.img", [new BoEntry(bo with { Size = 0x20000 }, [new VmRecord(0x100, 0x10f, 0, 0x2)]), new BoEntry(bo with { GemHandle = 3, Offset = 0x3000000, MappingCount = 0 }, [])]);
        (int code, string output, _) = await Cli.Run("diff", a, b);
        Assert.Equal(1, code);
        Assert.Equal(
            $"--- {a}\n+++ {b}\n"
            + "~ bo 1: size 0x10000 -> 0x20000\n"
            + "- bo 2: size 0x10000, mmap_offset 0x2000000, preferred_domains VRAM, alloc_flags 0, flags 0, mappings 0\n"
            + "+ bo 3: size 0x10000, mmap_offset 0x3000000, preferred_domains VRAM, alloc_flags 0, flags 0, mappings 0\n"
            + "~ mapping 0x100000: flags READABLE|WRITEABLE -> READABLE\n"
            + "4 differences: bos 1 added, 1 removed, 1 changed; mappings 0 added, 0 removed, 1 changed\n",
            output);

        (code, output, _) = await Cli.Run("diff", "--format", "json", a, b);
        Assert.Equal(1, code);
        JsonNode json = JsonNode.Parse(output)!;
        Assert.False(json["equal"]!.GetValue<bool>());
        Assert.Equal(["changed", "removed", "added"], json["bos"]!.AsArray().Select(n => n!["kind"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Diff_OfAMissingOrDamagedImage_Exits2()
    {
        (int code, _, string error) = await Cli.Run("diff", Criu202506, Path.Combine(Folder, "absent.img"));
        Assert.Equal(2, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Stats_CountsBytesPerDomain_WithoutWrapping()
    {
        // Two BOs of 2^63 bytes: 2^64 in all, which a 64-bit sum would print as 0.
        var huge = new BoRecord(1, 1UL << 63, null, 0, (ulong)GemDomains.Vram, 0, null, 0);
        string image = await Write("huge.img", [new BoEntry(huge, []), new BoEntry(huge with { GemHandle = 2 }, [])]);
        (int code, string output, _) = await Cli.Run("stats", image);
        Assert.Equal(0, code);
        Assert.Contains("2 BOs, 16.0 EiB (18446744073709551616 bytes)", output, StringComparison.Ordinal);
        Assert.Contains("    VRAM                          2 BOs    16.0 EiB\n", output, StringComparison.Ordinal);

        (_, output, _) = await Cli.Run("stats", "--format", "json", Criu202506);
        JsonNode json = JsonNode.Parse(output)!;
        Assert.Equal("2166784", json["bo_bytes"]!.GetValue<string>());
        Assert.Equal("0x100000000", json["va_span"]!["start"]!.GetValue<string>());
        Assert.Equal("0x300008000", json["va_span"]!["end"]!.GetValue<string>());
        Assert.Equal(2, json["most_mappings_per_bo"]!.GetValue<int>());
        Assert.Equal(["GTT", "VRAM"], json["bytes_per_domain"]!.AsArray().Select(n => n!["domains"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(0x6UL, MappingFlagsKind.Uapi, "READABLE|WRITEABLE")]
    [InlineData(0x86UL, MappingFlagsKind.Uapi, "READABLE|WRITEABLE|MTYPE_UC")]
    [InlineData(0x8000_0000_0002UL, MappingFlagsKind.Uapi, "READABLE|0x800000000000")]
    [InlineData(0x0UL, MappingFlagsKind.Uapi, "0")]
    [InlineData(0x71UL | (9UL << 7), MappingFlagsKind.Pte, "VALID|EXECUTABLE|READABLE|WRITEABLE|FRAG(9)")]
    public void FlagNames_NameEveryBit(ulong flags, MappingFlagsKind kind, string expected) =>
        Assert.Equal(expected, FlagNames.Join(FlagNames.OfMappingFlags(flags, kind)));

    [Fact]
    public void Sizes_AreHumanized() =>
        Assert.Equal(["0 B", "1023 B", "1.00 KiB", "2.07 MiB", "16.0 EiB"], new UInt128[] { 0, 1023, 1024, 2166784, (UInt128)ulong.MaxValue + 1 }.Select(Sizes.Humanize));

    private async Task<string> Write(string name, List<BoEntry> bos)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8), bos));
        return path;
    }
}
