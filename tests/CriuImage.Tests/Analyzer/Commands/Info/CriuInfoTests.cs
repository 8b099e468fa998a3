using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>info</c> of CRIU dumps: the JSON shape scripts rely on, totals that never wrap, several inputs at once.</summary>
public sealed class CriuInfoTests : TempFolder
{
    [Fact]
    public async Task Json_HasTheGpuFields_ForEveryGpu()
    {
        (int code, string output, _) = await Cli.Run("info", "--format", "json", CriuFixtures.Path_("criu-dev"));
        Assert.Equal(0, code);
        JsonArray gpus = JsonNode.Parse(output)!["gpus"]!.AsArray();
        Assert.Equal(2, gpus.Count);
        foreach (string key in new[] { "gpu_id", "render_minor", "kfd_bos", "render_bos", "vram_bytes", "gtt_bytes", "contents_bytes" })
        {
            Assert.All(gpus, g => Assert.NotNull(g![key]));
        }

        JsonNode first = gpus[0]!;
        Assert.Equal((0x1a2bu, 128u, 3u, 3u), (first["gpu_id"]!.GetValue<uint>(), first["render_minor"]!.GetValue<uint>(), first["kfd_bos"]!.GetValue<uint>(), first["render_bos"]!.GetValue<uint>()));
        Assert.Equal((8192 + 8192, 32768 + 4096, 40960 + 8192 + 4096 + 4096), (first["vram_bytes"]!.GetValue<long>(), first["gtt_bytes"]!.GetValue<long>(), first["contents_bytes"]!.GetValue<long>()));
    }

    [Fact]
    public async Task ByteTotals_NeverWrap()
    {
        // Two VRAM KFD BOs of 2^64-1 bytes on gpu_id 5: their sum needs 65 bits.
        byte[] bo = [0x08, 0, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x18, 0, 0x20, 1, 0x28, 5];
        byte[] body = [0x08, 0, 0x10, 0, 0x18, 0, 0x28, 2, 0x32, (byte)bo.Length, .. bo, 0x32, (byte)bo.Length, .. bo, 0x38, 0, 0x40, 0, 0x48, 0, 0x52, 0];
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        await File.WriteAllBytesAsync(Path.Combine(dump, "amdgpu-kfd-1.img"), [.. BitConverter.GetBytes((ulong)body.Length), .. body]);
        (_, string output, _) = await Cli.Run("info", "--format", "json", dump);
        Assert.Contains("\"vram_bytes\": 36893488147419103230", output, StringComparison.Ordinal);
        (_, string text, _) = await Cli.Run("info", dump);
        Assert.Contains("kfd bos:    2 (36893488147419103230 bytes)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralInputs_AreEachDescribed()
    {
        (int code, string output, _) = await Cli.Run("info", Path.Combine(RepoPaths.Fixtures, "criu-v8.img"), CriuFixtures.Path_("released-v4.2"), CriuFixtures.Path_("archives/checkpoint-criu-dev.tar.gz"));
        Assert.Equal(0, code);
        Assert.Contains("abi:           criu-v8", output, StringComparison.Ordinal);
        Assert.Contains("released-v4.2 (CRIU amdgpu dump)", output, StringComparison.Ordinal);
        Assert.Contains("checkpoint-criu-dev.tar.gz:checkpoint (CRIU amdgpu dump)", output, StringComparison.Ordinal);
        Assert.Contains("revision:   released (v3.17..v4.2)", output, StringComparison.Ordinal);
    }
}
