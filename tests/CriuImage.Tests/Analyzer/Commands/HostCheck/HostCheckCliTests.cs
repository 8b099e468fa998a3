using System.Text.Json;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Topology;

/// <summary><c>host-check</c> and <c>host-snapshot</c> as a user runs them: output, messages and exit codes.</summary>
public sealed class HostCheckCliTests : TempFolder
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    [Fact]
    public async Task Restores_ExitsZero_WithTheMap()
    {
        (int code, string output, string error) = await Cli.Run("host-check", "--source", Fixture("gfx1100-2"), "--host", Fixture("gfx1100-2-other-ids"));
        Assert.Equal((0, ""), (code, error));
        Assert.Contains(": restores (mapped)", output, StringComparison.Ordinal);
        Assert.Contains("gpu 0x1240 (renderD128) -> 0x2382 (renderD128)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--host")]
    [InlineData("--source")]
    public async Task StandardInput_IsRefusedInOneLine_NotCalledAMissingFile(string which)
    {
        // "-" said "no such file": the help says "-" is standard input everywhere, so say it is not read here.
        string[] args = which == "--host" ? ["host-check", "--source", Fixture("gfx1100-2"), "--host", "-"] : ["host-check", "--source", "-", "--host", Fixture("gfx1100-2")];
        (int code, string output, string error) = await Cli.Run(args);
        Assert.Equal((2, "", "-: error: standard input is not read as a host: give the topology folder, its tar or a host snapshot as a file\n"), (code, output, error));
    }

    [Fact]
    public async Task OlderFirmware_IsRefused_UnlessTheCheckIsOff()
    {
        (int code, string output, _) = await Cli.Run("host-check", "--source", Fixture("gfx1100-2"), "--host", Fixture("gfx1100-2-old-fw"));
        Assert.Equal(1, code);
        Assert.Contains("error CRI403: target GPU 0x7925 fits no checkpointed GPU: its fw_version 2100", output, StringComparison.Ordinal);
        (code, output, _) = await Cli.Run("host-check", "--source", Fixture("gfx1100-2"), "--host", Fixture("gfx1100-2-old-fw"), "--env", "KFD_FW_VER_CHECK=0");
        Assert.Equal(0, code);
        Assert.Contains("warning CRI411", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_HasTheVerdictAndTheGpuMap()
    {
        (int code, string output, _) = await Cli.Run("host-check", "--source", Fixture("mi300x-8"), "--host", Fixture("mi300x-8-other-ids"), "--format", "json");
        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.True(root.GetProperty("restores").GetBoolean());
        Assert.Equal("mapped", root.GetProperty("outcome").GetString());
        JsonElement[] map = [.. root.GetProperty("gpu_map").EnumerateArray()];
        Assert.Equal(8, map.Length);
        Assert.All(map, e => Assert.Equal(["src_gpu_id", "dest_gpu_id", "src_render_minor", "dest_render_minor"], e.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(8, map.Select(e => e.GetProperty("dest_gpu_id").GetUInt32()).Distinct().Count());
    }

    [Fact]
    public async Task NeverEndingSearch_IsAnError_InJsonToo()
    {
        (int code, string output, _) = await Cli.Run("host-check", "--source", Fixture("mi300x-8"), "--host", Fixture("mi300x-8-old-fw"), "--format", "json");
        Assert.Equal(1, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal("never-ends", doc.RootElement.GetProperty("outcome").GetString());
        Assert.False(doc.RootElement.GetProperty("valid_mapping_exists").GetBoolean());
        JsonElement property = doc.RootElement.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("code").GetString() == "CRI403");
        Assert.Equal(("fw_version", 160UL), (property.GetProperty("property").GetString(), property.GetProperty("dest_value").GetUInt64()));
        Assert.Equal(8, property.GetProperty("candidates").GetArrayLength());
    }

    [Fact]
    public async Task Snapshot_GivesTheSameVerdictAsTheFolder()
    {
        string snapshot = Path.Combine(Folder, "node.snapshot");
        (int code, _, string error) = await Cli.Run("host-snapshot", "--topology", Fixture("mi300x-8-other-ids"), "-o", snapshot);
        Assert.Equal((0, ""), (code, error));
        (int a, string fromFolder, _) = await Cli.Run("host-check", "--source", Fixture("mi300x-8"), "--host", Fixture("mi300x-8-other-ids"));
        (int b, string fromSnapshot, _) = await Cli.Run("host-check", "--source", Fixture("mi300x-8"), "--host", snapshot);
        Assert.Equal((0, 0), (a, b));
        Assert.Equal(MapLines(fromFolder), MapLines(fromSnapshot));

        // A copy comes from another host: this machine's kernel is not recorded, only one given.
        Assert.DoesNotContain("@ kernel-release", File.ReadAllText(snapshot), StringComparison.Ordinal);
        (code, _, error) = await Cli.Run("host-snapshot", "--topology", Fixture("mi300x-8-other-ids"), "-o", snapshot, "--kernel-release", "6.18.2");
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("\n@ kernel-release 6.18.2\n", File.ReadAllText(snapshot), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostSnapshot_BadKernelRelease_OrNoSuchFolder_IsOneLine_AndExitCode2()
    {
        (int code, string output, string error) = await Cli.Run("host-snapshot", "--topology", Fixture("gfx1100-2"), "--kernel-release", "six");
        Assert.Equal((2, ""), (code, output));
        Assert.Contains("--kernel-release 'six' is not a kernel release", error, StringComparison.Ordinal);
        (code, output, error) = await Cli.Run("host-snapshot", "--topology", Path.Combine(Folder, "absent"));
        Assert.Equal((2, ""), (code, output));
        Assert.Equal($"{Path.Combine(Folder, "absent")}: error: no such folder\n", error);
    }

    [Theory]
    [InlineData("host-check")]
    [InlineData("verify")]
    public async Task HostFolderThatIsNotATopology_IsExitCode2_NotDoesNotRestore(string command)
    {
        string parent = Path.Combine(Folder, "kfd");
        Directory.CreateDirectory(Path.Combine(parent, "topology", "nodes"));
        string[] args = command == "host-check"
            ? ["host-check", "--source", Fixture("gfx1100-2"), "--host", parent]
            : ["verify", Path.Combine(RepoPaths.Fixtures, "criu", "hosts", "gfx1100-2"), "--host", parent];
        (int code, string output, string error) = await Cli.Run(args);
        Assert.Equal((2, ""), (code, output));
        Assert.Equal($"{parent}: error: has no 'nodes' folder: not a KFD topology (its 'topology' folder is one)\n", error);
    }

    [Fact]
    public async Task HostPathWithANewline_StaysOnItsLine()
    {
        string host = Path.Combine(Folder, "nl\nname");
        TopologyFixtures.CopyTo("gfx1100-2", host);

        (int code, string output, _) = await Cli.Run("host-check", "--source", Fixture("gfx1100-2"), "--host", host);
        Assert.Equal(0, code);
        Assert.StartsWith($"{Fixture("gfx1100-2")} -> {Path.Combine(Folder, "nl")}\\nname: restores (mapped)\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopologyCriuCannotParse_IsAFinding()
    {
        string host = Path.Combine(Folder, "host");
        TopologyFixtures.CopyTo("gfx1100-2", host);

        File.AppendAllText(Path.Combine(host, "nodes", "2", "properties"), "\n");
        (int code, string output, _) = await Cli.Run("host-check", "--source", Fixture("gfx1100-2"), "--host", host);
        Assert.Equal(1, code);
        Assert.Contains("error CRI410: nodes/2/properties: line ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--host", "no-such-folder")]
    [InlineData("--env", "KFD_FW_VER_CHECK")]
    public async Task BadInput_IsOneLine_AndExitCode2(string option, string value)
    {
        string[] args = option == "--host"
            ? ["host-check", "--source", Fixture("gfx1100-2"), "--host", Path.Combine(Folder, value)]
            : ["host-check", "--source", Fixture("gfx1100-2"), "--host", Fixture("gfx1100-2"), option, value];
        (int code, string output, string error) = await Cli.Run(args);
        Assert.Equal((2, ""), (code, output));
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    private static string[] MapLines(string report) => [.. report.Split('\n').Where(l => l.StartsWith("  gpu ", StringComparison.Ordinal))];
}
