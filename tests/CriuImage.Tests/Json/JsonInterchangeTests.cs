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

/// <summary>FORMAT.md section 10's input rules: one object, valid Unicode, bounded memory, short messages, streaming.</summary>
public class JsonInputTests
{
    private const string Minimal = """{"abi": "criu-v8", "bos": [{"gem_handle": 1, "size": 4096, "alloc_flags": 0, "preferred_domains": 4, "flags": 0, "mappings": []}]}""";

    [Theory]
    [InlineData(Minimal + "garbage", 1, 131)]
    [InlineData(Minimal + "\n{}", 2, 1)]
    [InlineData(Minimal + " ]", 1, 132)]
    public async Task TextAfterTheObject_IsAnError(string json, int line, int column)
    {
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));
        Assert.Contains("text follows the JSON object", e.Detail, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public async Task WhitespaceAfterTheObject_AndALeadingByteOrderMark_AreAccepted()
    {
        byte[] plain = await GoldenTests.Encode(Encoding.UTF8.GetBytes(Minimal.Replace("\"criu-v8\",", "\"criu-v8\", \"image_id\": \"000102030405060708090a0b0c0d0e0f\",", StringComparison.Ordinal) + " \n\t\n"));
        byte[] bom = await GoldenTests.Encode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Minimal.Replace("\"criu-v8\",", "\"criu-v8\", \"image_id\": \"000102030405060708090a0b0c0d0e0f\",", StringComparison.Ordinal))]);
        Assert.Equal(plain, bom);
    }

    [Theory]
    [InlineData("""{"abi": "criu-v8", "capture": {"tool": "a\ud800b"}, "bos": []}""", 40)]
    [InlineData("""{"abi": "criu-v8", "capture": {"tool": "\udc00"}, "bos": []}""", 40)]
    [InlineData("""{"abi": "criu-v8", "\ud800": 1, "bos": []}""", 20)]
    public async Task ALoneSurrogate_IsALineColumnError_NotACrash(string json, int column)
    {
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));
        Assert.Equal((1, column), (e.Line, e.Column));
        Assert.Contains("not valid Unicode", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8_IsALineColumnError_NotACrash()
    {
        byte[] json = [.. "{\"abi\": \"criu-v8\",\n \"capture\": {\"tool\": \"a"u8, 0xC3, 0x28, .. "\"}, \"bos\": []}"u8];
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(json));
        Assert.Equal(2, e.Line);
        Assert.InRange(e.Column, 1, 30);
    }

    [Fact]
    public async Task AHugeKey_IsQuotedInAtMost80Characters()
    {
        string key = new('k', 500_000);
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes($$"""{"abi": "criu-v8", "{{key}}": 1, "bos": []}""")));
        Assert.InRange(e.Message.Length, 1, 300);
        Assert.Contains("(500000 characters)", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyLongerThanAMebibyte_IsRefusedWithBoundedMemory()
    {
        string key = new('k', 3 * 1024 * 1024);
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes($$"""{"abi": "criu-v8", "{{key}}": 1, "bos": []}""")));
        Assert.Contains("without a complete JSON token", e.Detail, StringComparison.Ordinal);
        Assert.Equal((1, 20), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("""{"abi": "criu-v8", "gpu_pagesize": 4096, "bos": []}""", "did you mean \"gpu_page_size\"?")]
    [InlineData("""{"abi": "criu-v8", "device": {"va_bist": 48}, "bos": []}""", "did you mean \"va_bits\"?")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"gem_handel": 1}]}""", "did you mean \"gem_handle\"?")]
    [InlineData("""{"abi": "criu-v8", "bos": [{"mappings": [{"flgas": 1}]}]}""", "did you mean \"flags\"?")]
    [InlineData("""{"abi": "criu-v8", "colour": 1, "bos": []}""", "expected abi, mapping_flags")]
    public async Task AMistypedKey_GetsADidYouMean(string json, string hint)
    {
        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(hint, e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DevZero_FailsAtOnce_WithoutReadingOn()
    {
        using var zeros = new EndlessStream(0);
        InterchangeException e = Assert.Throws<InterchangeException>(() => JsonImageEncoder.Create(zeros));
        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.InRange(zeros.BytesRead, 1, 1024 * 1024);
    }

    [Fact]
    public void EndlessWhitespace_IsCutOffAfterAMebibyte()
    {
        using var spaces = new EndlessStream((byte)' ');
        InterchangeException e = Assert.Throws<InterchangeException>(() => JsonImageEncoder.Create(spaces));
        Assert.Contains("without a complete JSON token", e.Detail, StringComparison.Ordinal);
        Assert.InRange(spaces.BytesRead, 1, 3 * 1024 * 1024);
    }

    [Fact]
    public async Task AStream_ThatCannotSeek_IsEncodedInOnePass_WithBoundedMemory()
    {
        // Far larger than the encoder's buffer: 40,000 BOs with a mapping each, as decode writes them.
        var header = new ImageHeader(AbiRevision.CriuV8) { ImageId = 42 };
        List<BoEntry> bos = [.. Enumerable.Range(0, 40_000).Select(i => new BoEntry(new BoRecord((uint)i, 4096, null, 0, 4, 0, null, 1), [new VmRecord((ulong)i, (ulong)i, 0, 0x71)]))];
        byte[] image = await Images.WriteAsync(header, bos);
        byte[] json = Encoding.UTF8.GetBytes(await GoldenTests.Decode(image));
        Assert.True(json.Length > 4 * 1024 * 1024);

        using var pipe = new ForwardOnlyStream(json);
        JsonImageEncoder encoder = JsonImageEncoder.Create(pipe);
        using var output = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(output, encoder.Header, leaveOpen: true))
        {
            await encoder.WriteBosAsync(writer);
            await writer.CompleteAsync();
        }

        Assert.Equal(image, output.ToArray());
    }

    [Fact]
    public void FromAPipe_HeaderKeysAfterBos_AreRefusedWithTheReason()
    {
        using var pipe = new ForwardOnlyStream(Encoding.UTF8.GetBytes("""{"bos": [], "abi": "criu-v8"}"""));
        InterchangeException e = Assert.Throws<InterchangeException>(() => JsonImageEncoder.Create(pipe));
        Assert.Contains("must come before \"bos\"", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageId_RoundTrips_AndAMalformedOneIsRefused()
    {
        byte[] image = await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8) { ImageId = UInt128.MaxValue - 5 }, []);
        string json = await GoldenTests.Decode(image);
        Assert.Contains("\"image_id\": \"fffffffffffffffffffffffffffffffa\"", json, StringComparison.Ordinal);
        Assert.Equal(image, await GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));

        InterchangeException e = await Assert.ThrowsAsync<InterchangeException>(() => GoldenTests.Encode(Encoding.UTF8.GetBytes(json.Replace("fffa\"", "FFFA\"", StringComparison.Ordinal))));
        Assert.Contains("32 lower-case hexadecimal digits", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolStrings_AreEscapedAsTheSpecSays()
    {
        var header = new ImageHeader(AbiRevision.CriuV8) { ImageId = 1, Capture = new CaptureInfo { Tool = "a\"b\\c\u0001\u007fé<>&'+\U0001F600" } };
        string json = await GoldenTests.Decode(await Images.WriteAsync(header, []));
        Assert.Contains("\"tool\": \"a\\\"b\\\\c\\u0001\\u007fé<>&'+\U0001F600\"", json, StringComparison.Ordinal);
        Assert.Equal(await Images.WriteAsync(header, []), await GoldenTests.Encode(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>An input that never ends, like /dev/zero; counts what was read.</summary>
    private sealed class EndlessStream(byte value) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill(value);
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A pipe: bytes in order, no seeking.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
