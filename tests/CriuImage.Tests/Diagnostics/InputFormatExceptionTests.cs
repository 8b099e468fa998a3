using System.Text;
using CriuImage.Json;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Diagnostics;

/// <summary>Bad input of every kind ends in one exception base that says where: the file where known, the byte where known.</summary>
public sealed class InputFormatExceptionTests : TempFolder
{
    [Fact]
    public async Task AnImageCutShort_IsAnInputFormatException_AtItsByte()
    {
        byte[] cut = Convert.FromHexString("89414743"); // the magic, cut inside the 32-byte preamble
        InputFormatException e = await Assert.ThrowsAnyAsync<InputFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(cut)));
        Assert.IsType<ImageFormatException>(e);
        Assert.Equal(4, e.InputOffset);
        Assert.Null(e.InputPath);
        Assert.Contains("preamble", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ABrokenJsonDocument_IsAnInputFormatException_AtItsByte()
    {
        byte[] document = Encoding.UTF8.GetBytes("{\n  \"nope\": 1\n}");
        InputFormatException e = Assert.ThrowsAny<InputFormatException>(() => JsonImageEncoder.Create(new MemoryStream(document)));
        var json = Assert.IsType<InterchangeException>(e);
        Assert.Equal(2, json.Line);
        // The byte offset and the line and column name the same place.
        Assert.Equal(document.AsSpan(0, (int)e.InputOffset!.Value).LastIndexOf((byte)'\n') + 1 + json.Column - 1, e.InputOffset);
        Assert.Equal("\"nope\"", Encoding.UTF8.GetString(document, (int)e.InputOffset.Value, 6));
    }

    [Fact]
    public void ATopologyFileCriuRefuses_IsAnInputFormatException_InItsFile()
    {
        string folder = Path.Combine(Folder, "topology");
        TopologyFixtures.CopyTo("gfx1100-2", folder);
        File.WriteAllText(Path.Combine(folder, "nodes", "1", "properties"), "cpu_cores_count 0\nsimd_count -\n");
        InputFormatException e = Assert.ThrowsAny<InputFormatException>(() => HostTopology.Load(folder));
        Assert.IsType<TopologyFormatException>(e);
        Assert.Equal("nodes/1/properties", e.InputPath);
        Assert.Null(e.InputOffset);
    }
}
