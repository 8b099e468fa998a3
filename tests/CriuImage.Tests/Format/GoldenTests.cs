using System.Text;
using System.Text.Json.Nodes;
using CriuImage.Json;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The checked-in fixtures are what the current code produces from their JSON sources (regenerate with
/// scripts/regen-fixtures.sh), their bytes and decoded JSON are pinned in tests/golden, and an
/// independent reader written from FORMAT.md with python3-msgpack reads them the same way.
/// </summary>
public class GoldenTests
{
    public static TheoryData<string> Fixtures => [.. RepoPaths.FixtureNames];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task CheckedInFixture_IsWhatEncodeProduces(string fixture)
    {
        byte[] encoded = await Encode(Images.FixtureJson(fixture));
        Assert.True(
            encoded.AsSpan().SequenceEqual(Images.Fixture(fixture)),
            $"fixtures/{fixture}.img differs from encoding fixtures/{fixture}.json; run scripts/regen-fixtures.sh if the change is deliberate");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixtureBytes_MatchTheGoldenHexDump(string fixture) =>
        Snapshot.Verify($"Fixture.{fixture}.img", Snapshot.HexDump(Images.Fixture(fixture)));

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task DecodedFixture_MatchesTheGoldenJson_AndItsSource(string fixture)
    {
        string decoded = await Decode(Images.Fixture(fixture));
        Snapshot.Verify($"Fixture.{fixture}.decoded", decoded, "json");
        Assert.Equal(Encoding.UTF8.GetString(Images.FixtureJson(fixture)), decoded);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task IndependentPythonReader_DecodesEveryRecord_AsWeDo(string fixture)
    {
        string python = PythonRunner.Run("read_image.py", Path.Combine(RepoPaths.Fixtures, fixture + ".img"));
        JsonNode? ours = JsonNode.Parse(await Decode(Images.Fixture(fixture)));
        Assert.True(JsonNode.DeepEquals(ours, JsonNode.Parse(python)), $"python read {python}");
    }

    [Fact]
    public async Task IndependentPythonReader_AgreesOnLargeRandomImages()
    {
        foreach (int seed in new[] { 7, 8, 9 })
        {
            var random = new RandomImages(seed);
            Abi.AbiRevision abi = (Abi.AbiRevision)(seed % 3);
            byte[] image = await Images.WriteAsync(random.NextHeader(abi), random.NextBos(abi, 30, 2000));
            string path = Path.GetTempFileName();
            try
            {
                File.WriteAllBytes(path, image);
                string python = PythonRunner.Run("read_image.py", path);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await Decode(image)), JsonNode.Parse(python)), $"seed {seed}");
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    internal static async Task<byte[]> Encode(byte[] json)
    {
        JsonImageEncoder encoder = JsonImageEncoder.Create(json);
        using var stream = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(stream, encoder.Header, leaveOpen: true))
        {
            await encoder.WriteBosAsync(writer);
            await writer.CompleteAsync();
        }

        return stream.ToArray();
    }

    internal static async Task<string> Decode(byte[] image)
    {
        await using ImageReader reader = ImageReader.Create(new MemoryStream(image));
        using var output = new MemoryStream();
        await JsonImageDecoder.DecodeAsync(reader, output);
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
