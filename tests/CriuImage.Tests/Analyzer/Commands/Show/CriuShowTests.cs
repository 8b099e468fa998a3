using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>show</c> of a CRIU dump: every KFD and render-node BO and mapping, flags by their kernel names.</summary>
public sealed class CriuShowTests : TempFolder
{
    [Fact]
    public async Task Folder_Text_IsPinned()
    {
        (int code, string output, string error) = await Cli.Run("show", CriuFixtures.Path_("criu-dev"));
        Assert.Equal((0, ""), (code, error));
        Snapshot.Verify("Criu.Show.criu-dev", CriuFixtures.Portable(output));
    }

    [Fact]
    public async Task ADamagedFile_IsShownUnreadable_Exit2()
    {
        (int code, string output, string error) = await Cli.Run("show", CriuFixtures.Path_("damaged/truncated-kfd"));
        Assert.Equal(2, code);
        Assert.StartsWith($"{CriuFixtures.Path_("damaged/truncated-kfd/amdgpu-kfd-5.img")}: error: at byte 1025", error, StringComparison.Ordinal);
        Assert.Contains("amdgpu-kfd-5.img: kfd: unreadable: at byte 1025", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("criu-dev")]
    [InlineData("archives/checkpoint-criu-dev.tar.gz")]
    public async Task Json_HasEveryBoAndMapping_WithNamedFlags(string fixture)
    {
        (int code, string output, string error) = await Cli.Run("show", "--format", "json", CriuFixtures.Path_(fixture));
        Assert.Equal((0, ""), (code, error));
        JsonArray files = JsonNode.Parse(output)!["dumps"]!.AsArray().Single()!["files"]!.AsArray();
        JsonNode kfd = files.Single(f => f!["kind"]!.GetValue<string>() == "kfd")!;
        Assert.Equal(5, kfd["bos"]!.AsArray().Count);
        Assert.Contains(kfd["bos"]!.AsArray(), b => b!["alloc_flags"]!["names"]!.AsArray().Select(n => n!.GetValue<string>()).SequenceEqual(["DOORBELL"]));
        JsonNode node = files.Single(f => f!["path"]!.GetValue<string>().EndsWith("amdgpu-renderD-7.img", StringComparison.Ordinal))!;
        JsonNode first = node["bos"]![0]!["mappings"]![0]!;
        Assert.Equal("0x100000000", first["address"]!.GetValue<string>());
        Assert.Equal(["READABLE", "WRITEABLE", "EXECUTABLE"], first["flags"]!["names"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task FolderOfImagesOnly_IsOneLine_Exit2_AndAnImageStillShows()
    {
        string image = Path.Combine(Folder, "a.img");
        File.Copy(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"), image);
        (int code, string output, string error) = await Cli.Run("show", Folder);
        Assert.Equal((2, ""), (code, output));
        Assert.Contains("no CRIU amdgpu file found to show", error, StringComparison.Ordinal);
        Assert.Equal(0, (await Cli.Run("show", image)).Code);
    }
}
