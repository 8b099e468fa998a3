using System.Text;
using CriuImage.Abi;
using CriuImage.Json;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

public class JsonInterchangeTests
{
    public static TheoryData<int> Seeds => [.. Enumerable.Range(100, 30)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task DecodeThenEncode_ReproducesTheImage_ByteForByte(int seed)
    {
        var random = new RandomImages(seed);
        AbiRevision abi = (AbiRevision)(seed % 3);
        byte[] image = await Images.WriteAsync(random.NextHeader(abi), random.NextBos(abi, 25, seed % 5 == 0 ? 5000 : 30));
        byte[] again = await GoldenTests.Encode(Encoding.UTF8.GetBytes(await GoldenTests.Decode(image)));
        Assert.Equal(image, again);
    }

    [Fact]
    public async Task Encode_AcceptsWhatTheAnalyzerWillFlag()
    {
        const string json = """
            {"abi": "criu-2025-06", "bos": [
              {"gem_handle": 1, "size": 0, "offset": 18446744073709551615, "alloc_flags": 18446744073709551615,
               "preferred_domains": 4294967295, "flags": 4294967295,
               "mappings": [{"start": 5, "last": 1, "offset": 18446744073709551615, "flags": 18446744073709551615},
                            {"start": 5, "last": 1, "offset": 0, "flags": 0}]},
              {"gem_handle": 1, "size": 1, "offset": 0, "alloc_flags": 0, "preferred_domains": 0, "flags": 0, "mappings": []}]}
            """;
        (_, List<BoEntry> bos) = await Images.ReadAsync(await GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(2, bos.Count);
        Assert.Equal(ulong.MaxValue, bos[0].Mappings[0].Offset);
    }

    [Theory]
    [InlineData("""{"abi": "criu-v8", "bos": [{"gem_handle": -1}]}""", 1, 43, "gem_handle is -1, not an unsigned 64-bit integer")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"gem_handle": 1.5}]}""", 1, 43, "gem_handle is 1.5")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"gem_handle": 1e3}]}""", 1, 43, "gem_handle is 1e3")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"gem_handle": 4294967296}]}""", 1, 43, "gem_handle is 4294967296, more than its largest value 4294967295")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"size": 18446744073709551616}]}""", 1, 37, "size is 18446744073709551616, not an unsigned 64-bit integer")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"colour": 1}]}""", 1, 29, "unknown key \"colour\" in a criu-v8 BO")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"alignment": 1}]}""", 1, 29, "\"alignment\" is not a field of a criu-v8 BO")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"gem_handle": 1, "size": 1, "alloc_flags": 0, "preferred_domains": 0, "flags": 0}]}""", 1, 28, "lacks the required key \"mappings\"")]
    [InlineData("""{"abi": "criu-2025-06", "bos": [{"gem_handle": 1, "size": 1, "alloc_flags": 0, "preferred_domains": 0, "flags": 0, "mappings": []}]}""", 1, 33, "lacks the required key \"offset\"")]
    [InlineData("""{"abi": "linux-6.18", "bos": [{"mappings": [{"start": 1}]}]}""", 1, 46, "linux-6.18 mappings use \"addr\" and \"size\"")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"mappings": [{"start": 1, "last": 1, "offset": 0}]}]}""", 1, 42, "the mapping lacks the required key \"flags\"")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"preferred_domains": 4294967296}]}""", 1, 50, "more than its largest value 4294967295")]
    [InlineData("""{"abi": "criu-v9", "bos": []}""", 1, 9, "abi \"criu-v9\"")]
    [InlineData("""{"bos": []}""", 1, 11, "lacks the required key \"abi\"")]
    [InlineData("""{"abi": "criu-v8"}""", 1, 18, "lacks the required key \"bos\"")]
    [InlineData("""{"abi": "criu-v8", "abi": "criu-v8", "bos": []}""", 1, 20, "appears twice")]
    [InlineData("""{"abi": "criu-v8", "bos": [], "extra": 1}""", 1, 31, "unknown key \"extra\"")]
    [InlineData("{\"abi\": \"criu-v8\",\n  \"bos\": [\n    {\"gem_handle\": \"1\"}]}", 3, 20, "expected gem_handle as an unsigned integer, found a string")]
    [InlineData("{\"abi\": \"criu-v8\",\n \"bos\": [,]}", 2, 10, "not valid JSON")]
    [InlineData("""{"abi": "criu-v8", "device": {"gc_ip_version": "11.0"}, "bos": []}""", 1, 48, "gc_ip_version \"11.0\"")]
    public async Task Encode_RejectsWithLineAndColumn(string json, int line, int column, string message)
    {
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
    }
}
