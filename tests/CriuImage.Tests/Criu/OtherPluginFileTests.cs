using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using static CriuImage.Tests.Support.CriuCoreImages;
using static CriuImage.Tests.Support.CriuTaskDumps;

namespace CriuImage.Tests;

/// <summary>
/// An external file of the dump that no amdgpu image names (another plugin's): CRIU's amdgpu hook answers -EINVAL for
/// it, not -ENOTSUP, so the restore fails where that hook is asked first (plugin load order, CRI355, a warning); a
/// descriptor of one files.img lacks stops CRIU like an amdgpu file's (CRI352).
/// </summary>
public sealed class OtherPluginFileTests : TempFolder
{
    /// <summary>The codes this class makes a dump for (CriuDumpRuleTests holds every CRI3xx code to a case).</summary>
    public static readonly string[] Codes = ["CRI355"];

    [Fact]
    public async Task AnotherPluginsExternalFile_IsAWarningNamingTheDescriptor_ForEachCriu()
    {
        string dump = WithOtherFile(listed: true);
        foreach ((string criu, string cause) in new[] { ("criu-dev", "plugins/amdgpu/amdgpu_plugin_dmabuf.c:108-113@2cf8f13"), ("v4.2", "plugins/amdgpu/amdgpu_plugin.c:1572-1587@v4.2") })
        {
            (_, string json, _) = await Cli.Run("verify", "--format", "json", "--criu", criu, dump);
            JsonNode finding = Assert.Single(JsonNode.Parse(json)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray()), d => (string)d!["code"]! == "CRI355")!;
            Assert.Equal("warning", (string)finding["severity"]!);
            string message = (string)finding["message"]!;
            Assert.Contains("task 4242 fd 7 names external file 42 (files.img byte ", message, StringComparison.Ordinal);
            Assert.Contains("CRIU fails with 'Unable to restore 0x2a' at this descriptor", message, StringComparison.Ordinal);
            Assert.Contains(cause, message, StringComparison.Ordinal);
        }

        // The plan lists it among the restore's differences; the calls are those of the dump without it.
        JsonNode restore = await PlanRestore(dump);
        JsonNode plain = await PlanRestore(CriuFixtures.Path_("tasks/two-threads"));
        Assert.Equal(plain["calls"]!.ToJsonString(), restore["calls"]!.ToJsonString());
        Assert.Contains("CRI355", restore.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("CRI355", plain.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherPluginsDescriptorFilesImgLacks_StopsTheRestore()
    {
        string dump = WithOtherFile(listed: false);
        string message = Assert.Single(await Findings(dump, "CRI352"));
        Assert.Contains("task 4242 fd 7 names file id 42 (type 16), but files.img lists no file id 42: collect_fd finds no file", message, StringComparison.Ordinal);
        Assert.Equal(("fails", "CRI352"), ((string)(await PlanRestore(dump))["end"]!["how"]!, (string)(await PlanRestore(dump))["end"]!["code"]!));
    }

    /// <summary>tasks/two-threads with fd 7 of its task naming external file 42, listed in files.img or not.</summary>
    private string WithOtherFile(bool listed)
    {
        string dump = CriuFixtures.CopyTo("tasks/two-threads", Path.Combine(Folder, "dump-" + Guid.NewGuid().ToString("N")));
        File.WriteAllBytes(Path.Combine(dump, "fdinfo-1.img"), Image(FdinfoMagic, Entries(Entry(5, 3), Entry(7, 4), Entry(8, 5), Entry(9, 6), Entry(42, 7)), common: true));
        uint[] ids = listed ? [5, 7, 8, 9, 42] : [5, 7, 8, 9];
        File.WriteAllBytes(Path.Combine(dump, "files.img"), Image(FilesMagic, Entries([.. ids.Select(i => FileEntry(16, i))]), common: true));
        return dump;
    }
}
