using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// CRI314 compares with a GPU's render-node mappings only the KFD BOs criu_restore_bo maps into that GPU's VM: those
/// whose private record's mapped_gpuids name it (a BO never mapped is in no VM, a peer's BO mapped on it is in it).
/// The fixtures' private data is generate.py's: GTT BOs mapped on both GPUs, the others on their own.
/// </summary>
public sealed class KfdMappedGpusTests
{
    private const uint GpuA = 0x1a2b, GpuB = 0xc0de;

    private static CriuKfd Kfd(string dump) =>
        CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(CriuFixtures.Path_($"{dump}/amdgpu-kfd-5.img"))).Message;

    [Fact]
    public void TheMappedGpus_AreThePrivateRecordsUpToTheFirstZero()
    {
        KfdMappedGpus mapped = KfdMappedGpus.Of(Kfd("criu-dev"))!;
        Assert.Equal([true, true, true, false, false], Enumerable.Range(0, 5).Select(i => mapped.Maps(i, GpuA)));
        Assert.Equal([false, true, false, true, true], Enumerable.Range(0, 5).Select(i => mapped.Maps(i, GpuB)));

        KfdMappedGpus unmapped = KfdMappedGpus.Of(Kfd("damaged/kfd-bo-unmapped-on-mapping"))!;
        Assert.False(unmapped.Maps(1, GpuA));
        Assert.False(unmapped.Maps(1, GpuB));
        Assert.True(KfdMappedGpus.Of(Kfd("damaged/kfd-peer-bo-on-mapping"))!.Maps(4, GpuA));
    }

    [Fact]
    public void PrivateDataNoKernelTakes_SaysNothing() => Assert.Null(KfdMappedGpus.Of(Kfd("damaged/kfd-priv-version")));

    [Theory]
    [InlineData("damaged/kfd-bo-on-mapping", true, "fails")]
    [InlineData("damaged/kfd-bo-unmapped-on-mapping", false, "differs")]
    [InlineData("damaged/kfd-peer-bo-on-mapping", true, "fails")]
    public async Task VerifyAndPlan_CountOnlyTheBosMappedOnTheGpu(string dump, bool cri314, string planEnd)
    {
        (_, string json, _) = await Cli.Run("verify", "--format", "json", CriuFixtures.Path_(dump));
        string[] codes = [.. JsonNode.Parse(json)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray()).Select(d => (string)d!["code"]!)];
        Assert.Equal(cri314, codes.Contains("CRI314"));

        (_, string plan, _) = await Cli.Run("plan", "--format", "json", "--target-kernel", "6.18.1", CriuFixtures.Path_(dump));
        JsonNode end = JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!["end"]!;
        Assert.Equal(planEnd, (string)end["how"]!);
        Assert.Equal(cri314, (string?)end["code"] == "CRI314");
    }
}
