using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// Issue 20's reproductions, each kept: data lost through an output, wrong answers from one unread file, a
/// diff blind to a duplicate handle, commands that disagreed on a damaged dump, control characters printed
/// raw, file kinds misnamed, .NET's words for an output's failure, and nonsense options accepted.
/// </summary>
public sealed class HardeningTests : TempFolder
{
    private static readonly string Image = Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img");
    private static readonly string ImageJson = Path.Combine(RepoPaths.Fixtures, "criu-2025-06.json");
    private static readonly string Dump = Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev");

    private static string Q(string argument) => CliProcess.Quote(argument);

    [Theory]
    [InlineData("$CLI decode {0} -o /dev/fd/1 >> {1}")]
    [InlineData("$CLI decode {0} -o /dev/fd/2 2>> {1}")]
    [InlineData("exec 3>> {1}; $CLI decode {0} -o /dev/fd/3")]
    [InlineData("exec 3>> {1}; $CLI decode {0} -o /proc/self/fd/3")]
    public async Task DevFd_AnOpenDescriptor_IsWrittenThrough_Appending(string script)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here: /dev/fd is Linux's here
        }

        string log = Path.Combine(Folder, "log");
        File.WriteAllText(log, "kept\n");
        (int code, _, string error) = await CliProcess.Bash(string.Format(System.Globalization.CultureInfo.InvariantCulture, script, Q(Image), Q(log)));
        Assert.True(code == 0, error);
        (int decoded, string json, _) = await Cli.Run("decode", Image);
        Assert.Equal(0, decoded);
        Assert.Equal("kept\n" + json, File.ReadAllText(log));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Import_IntoLinksToTheDumpsOwnFiles_RefusesInOneLine_AndWritesNothing(bool hardLink)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here: identity is device and inode
        }

        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        string output = Directory.CreateDirectory(Path.Combine(Folder, "out")).FullName;
        string victim = Path.Combine(dump, "amdgpu-renderD-8.img");
        string link = Path.Combine(output, "amdgpu-renderD-8.cimg");
        (int linked, _, _) = await CliProcess.Bash($"ln {(hardLink ? "" : "-s ")}{Q(victim)} {Q(link)}");
        Assert.Equal(0, linked);
        byte[] before = File.ReadAllBytes(victim);

        (int code, string text, string error) = await CliProcess.Bash($"$CLI import {Q(dump)} -o {Q(output)}");

        Assert.Equal(2, code);
        Assert.Equal("", text);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains("it would be overwritten", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(victim));
        Assert.False(File.Exists(Path.Combine(output, "amdgpu-renderD-7.cimg")), "an output was written before the check");
    }

    [Fact]
    public async Task Decode_IntoALinkToAFileOfTheInputFolder_Refuses()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here: identity is device and inode
        }

        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        string link = Path.Combine(Folder, "out.json");
        File.CreateSymbolicLink(link, Path.Combine(dump, "amdgpu-kfd-5.img"));
        byte[] before = File.ReadAllBytes(Path.Combine(dump, "amdgpu-kfd-5.img"));
        (int code, _, string error) = await Cli.Run("decode", dump, "-o", link);
        Assert.Equal(2, code);
        Assert.Contains("it would be overwritten", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dump, "amdgpu-kfd-5.img")));
    }

    [Fact]
    public async Task AnotherUser_ReplacingARootOwnedFile_IsRefused_AndTheFileKept()
    {
        if (!OperatingSystem.IsLinux() || CommandMatrixTests.OtherUser() is not { } asOther)
        {
            return; // not applicable here: needs root to have a root-owned file and runuser to be another user
        }

        string shared = Path.Combine(Folder, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(Folder, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1FF); // writable by all, without the sticky bit: a rename would succeed
        string target = Path.Combine(shared, "report.json");
        File.WriteAllText(target, "root's\n");
        File.SetUnixFileMode(target, (UnixFileMode)0x1B6); // 0666

        (int code, _, string error) = await CliProcess.Bash($"{asOther} $CLI decode {Q(Image)} -o {Q(target)}");

        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains("cannot write " + target + ": belongs to uid 0", error, StringComparison.Ordinal);
        Assert.Equal("root's\n", File.ReadAllText(target));
        Assert.DoesNotContain(Directory.GetFiles(shared), f => f != target);
    }

    [Fact]
    public async Task ATruncatedRenderNode_LeavesTheOtherOnesImportsUnknown_NotOrphaned()
    {
        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        string node = Path.Combine(dump, "amdgpu-renderD-8.img");
        File.WriteAllBytes(node, File.ReadAllBytes(node)[..40]);

        (int code, string output, _) = await Cli.Run("verify", dump);

        Assert.Equal(2, code);
        Assert.Contains("CRI302", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI315", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI320", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreadableRenderNode_LeavesItsPagesAndImportsUnknown()
    {
        if (!OperatingSystem.IsLinux() || CommandMatrixTests.OtherUser() is not { } asOther)
        {
            return; // not applicable here: root reads every file, so another user must run it
        }

        File.SetUnixFileMode(Folder, (UnixFileMode)0x1ED); // 0755
        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        File.SetUnixFileMode(Path.Combine(dump, "amdgpu-renderD-7.img"), UnixFileMode.None);

        (int code, string output, string error) = await CliProcess.Bash($"{asOther} $CLI verify {Q(dump)}");

        Assert.True(code == 2, output + error);
        Assert.Contains("amdgpu-renderD-7.img: error CRI001", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI315", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI320", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreadableKfdImage_LeavesTheRenderNodesGpuIdsUnknown_NotUnknownGpus()
    {
        if (!OperatingSystem.IsLinux() || CommandMatrixTests.OtherUser() is not { } asOther)
        {
            return; // not applicable here: root reads every file, so another user must run it
        }

        File.SetUnixFileMode(Folder, (UnixFileMode)0x1ED); // 0755
        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        File.SetUnixFileMode(Path.Combine(dump, "amdgpu-kfd-5.img"), UnixFileMode.None);

        (int code, string output, string error) = await CliProcess.Bash($"{asOther} $CLI verify {Q(dump)}");

        Assert.True(code == 2, output + error);
        Assert.Contains("amdgpu-kfd-5.img: error CRI001", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI313", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI321", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_OfImagesDifferingOnlyInABoOfADuplicateHandle_IsDifferent()
    {
        JsonNode document = JsonNode.Parse(File.ReadAllText(ImageJson))!;
        JsonArray bos = document["bos"]!.AsArray();
        JsonNode duplicate = bos[0]!.DeepClone();
        duplicate["mappings"] = new JsonArray();
        bos.Add(duplicate);
        string a = Path.Combine(Folder, "a.json");
        File.WriteAllText(a, document.ToJsonString());
        duplicate["size"] = (long)duplicate["size"]! * 2;
        string b = Path.Combine(Folder, "b.json");
        File.WriteAllText(b, document.ToJsonString());
        Assert.Equal(0, (await Cli.Run("encode", a, "-o", a + ".img")).Code);
        Assert.Equal(0, (await Cli.Run("encode", b, "-o", b + ".img")).Code);

        (int code, string output, _) = await Cli.Run("diff", a + ".img", b + ".img");

        Assert.Equal(1, code);
        Assert.Contains($"~ bo {(int)bos[0]!["gem_handle"]!} (#2 with it): size", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ReadsFormat10Images_AsEveryOtherReader()
    {
        foreach (string image in Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "v1.0"), "*.img"))
        {
            (int code, string output, string error) = await Cli.Run("plan", image);
            Assert.True(code is 0 or 1, $"{image}: exit {code}: {error}");
            Assert.Contains(": restore on ", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StandardInput_NamedTwice_IsOneLine()
    {
        foreach (string[] args in new[] { new[] { "verify", "-", "-" }, ["info", "-", "-"], ["diff", "-", "-"] })
        {
            (int code, string output, string error) = await Cli.Run(args);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.Equal("criu-image: error: - is given more than once: standard input can be read only once\n", error);
        }
    }

    [Fact]
    public async Task ControlCharacters_InNamesAndCaptureTool_AreEscaped_InInfoPlanAndShow()
    {
        JsonNode document = JsonNode.Parse(File.ReadAllText(ImageJson))!;
        document["capture"]!["tool"] = "tool\u001b[31m\nforged: ok";
        string json = Path.Combine(Folder, "tool.json");
        File.WriteAllText(json, document.ToJsonString());
        string image = Path.Combine(Folder, "name\u001b[2J\nforged.img");
        Assert.Equal(0, (await Cli.Run("encode", json, "-o", image)).Code);

        foreach (string[] args in new[] { new[] { "info", image }, ["plan", image], ["show", image], ["stats", image] })
        {
            (int code, string output, string error) = await Cli.Run(args);
            Assert.True(code == 0, $"{args[0]}: {error}");
            Assert.DoesNotContain('\u001b', output + error);
            Assert.DoesNotContain("\nforged", output + error, StringComparison.Ordinal);
            Assert.Contains("name\\e[2J\\nforged.img", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FileKinds_AreSaidRight()
    {
        string notes = Path.Combine(Folder, "notes.txt");
        File.WriteAllText(notes, "just text\n");
        (int code, _, string error) = await Cli.Run("show", notes);
        Assert.Equal((2, $"{notes}: error: neither a criu-image nor a CRIU amdgpu file\n"), (code, error));

        // A KFD image: stats names it and the commands that read it, not import, which rejects it.
        string kfd = Path.Combine(Dump, "amdgpu-kfd-5.img");
        (code, _, error) = await Cli.Run("stats", kfd);
        Assert.Equal(2, code);
        Assert.Contains("a CRIU amdgpu KFD image", error, StringComparison.Ordinal);
        Assert.DoesNotContain("import", error, StringComparison.Ordinal);

        // From standard input its name, and so its pages files' names, are unknown: none is made up.
        using var input = new MemoryStream(File.ReadAllBytes(kfd));
        using var output = new MemoryStream();
        using var errors = new StringWriter();
        Assert.Equal(0, await Analyzer.Program.RunAsync(["verify", "-"], input, output, errors));
        string report = System.Text.Encoding.UTF8.GetString(output.ToArray());
        Assert.DoesNotContain("amdgpu-pages--1", report, StringComparison.Ordinal);
        Assert.Contains("its amdgpu-pages-<id>-c0de.img", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputAndInputErrors_AreInOurWords_UnderTheGivenName()
    {
        (int code, _, string error) = await Cli.Run("encode", Path.Combine(Folder, "missing.json"), "-o", Path.Combine(Folder, "x.img"));
        Assert.Equal((2, $"{Path.Combine(Folder, "missing.json")}: error: no such file or folder\n"), (code, error));

        if (OperatingSystem.IsLinux())
        {
            (code, _, error) = await Cli.Run("decode", Image, "-o", "/dev/full");
            Assert.Equal((2, "criu-image: error: cannot write /dev/full: no space left on the file system\n"), (code, error));
        }

        string file = Path.Combine(Folder, "a-file");
        File.WriteAllText(file, "");
        (code, _, error) = await Cli.Run("import", Dump, "-o", file);
        Assert.Equal(2, code);
        Assert.StartsWith($"criu-image: error: cannot write {file}: not a folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Numbers_OneWay_GpuIdAnIntegerInShowJson_AndOneBoSingular()
    {
        (int code, string output, _) = await Cli.Run("show", Dump, "--format", "json");
        Assert.Equal(0, code);
        JsonNode shown = JsonNode.Parse(output)!;
        JsonNode file = shown["dumps"]![0]!["files"]!.AsArray().First(f => ((string)f!["path"]!).EndsWith("amdgpu-kfd-5.img", StringComparison.Ordinal))!;
        Assert.Equal(System.Text.Json.JsonValueKind.Number, file["gpus"]![0]!["gpu_id"]!.GetValueKind());

        (code, output, _) = await Cli.Run("import", Path.Combine(Dump, "amdgpu-renderD-8.img"), "-o", Path.Combine(Folder, "8.cimg"));
        Assert.Equal(0, code);
        Assert.Contains("imported 1 BO, 1 mapping (", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--jobs", "0")]
    [InlineData("--jobs", "-3")]
    [InlineData("--max-findings", "-1")]
    public async Task NonsenseCounts_AreRefused(string option, string value)
    {
        (int code, string output, string error) = await Cli.Run("verify", option, value, Image);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"criu-image: error: {option} must be", error, StringComparison.Ordinal);
    }
}
