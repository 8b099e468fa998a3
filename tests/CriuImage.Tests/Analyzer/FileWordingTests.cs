using System.Text;
using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>A file no reader of this tool reads, and a damaged CRIU file on standard input, are said alike by every command (issue 20).</summary>
public sealed class FileWordingTests : TempFolder
{
    private const string Neither = "neither a criu-image nor a CRIU amdgpu file";

    private static readonly string[] Commands = ["info", "verify", "plan", "show", "decode", "stats", "restorable"];

    [Fact]
    public async Task AFileOfNeitherKind_IsOneLine_InEveryCommand_ByPathAndOnStandardInput()
    {
        string notes = Path.Combine(Folder, "notes.txt");
        File.WriteAllText(notes, "just text\n");
        foreach (string command in Commands)
        {
            (int code, string output, string error) = await Cli.Run(command, notes);
            Assert.Equal(2, code);
            Assert.Equal(Expected(command, notes), command == "verify" ? output.Split('\n')[0] + "\n" : error);

            (code, output, error) = await Stdin(File.ReadAllBytes(notes), command, "-");
            Assert.Equal(2, code);
            Assert.Equal(Expected(command, "-"), command == "verify" ? output.Split('\n')[0] + "\n" : error);
        }

        // The JSON documents carry the same words.
        (int verified, string json, _) = await Cli.Run("verify", "--format", "json", notes);
        Assert.Equal(2, verified);
        Assert.Equal(Neither, (string?)JsonNode.Parse(json)!["files"]![0]!["diagnostics"]![0]!["message"]);
        (int info, _, string infoError) = await Cli.Run("info", "--format", "json", notes);
        Assert.Equal((2, $"{notes}: error: {Neither}\n"), (info, infoError));
    }

    [Fact]
    public async Task ADamagedCriuFile_OnStandardInput_IsSaidAsWhenNamed()
    {
        // A length-delimited num_of_bos (field 4) before the render node's fields: protobuf-c refuses the file.
        string node = Path.Combine(Folder, "amdgpu-renderD-7.img");
        byte[] body = [0x22, 1, 3, .. File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-renderD-7.img"))[8..]];
        byte[] bytes = [.. BitConverter.GetBytes((ulong)body.Length), .. body];
        File.WriteAllBytes(node, bytes);
        foreach (string command in new[] { "info", "verify", "plan", "show", "decode", "import" })
        {
            string[] named = command == "import" ? [command, node, "-o", Path.Combine(Folder, "a.cimg")] : [command, node];
            string[] piped = command == "import" ? [command, "-", "-o", Path.Combine(Folder, "b.cimg")] : [command, "-"];
            (int code, string output, string error) = await Cli.Run(named);
            (int stdinCode, string stdinOutput, string stdinError) = await Stdin(bytes, piped);
            Assert.Equal(2, code);
            Assert.True(stdinCode == code, $"{command} -: exit {stdinCode}: {stdinError}");
            Assert.Equal(error.Replace(node, "-", StringComparison.Ordinal), stdinError);
            Assert.DoesNotContain("converts it", stdinError + stdinOutput, StringComparison.Ordinal);
            if (command == "verify")
            {
                Assert.Equal(output.Split('\n')[0].Replace(node, "-", StringComparison.Ordinal), stdinOutput.Split('\n')[0]);
            }
        }
    }

    /// <summary>A KFD image (and a render node) cut short, cut inside a field, or with a field of the wrong wire type, each under a CRIU name and on standard input.</summary>
    public static TheoryData<string> DamagedByShape() => new() { "kfd truncated", "kfd cut inside a device entry", "kfd pid length-delimited", "render node truncated" };

    [Theory]
    [MemberData(nameof(DamagedByShape))]
    public async Task ADamagedCriuFile_ToldByItsShape_OnStandardInput_IsSaidAsWhenNamed(string damage)
    {
        string criuDev = Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev");
        byte[] kfd = File.ReadAllBytes(Path.Combine(criuDev, "amdgpu-kfd-5.img"));
        byte[] node = File.ReadAllBytes(Path.Combine(criuDev, "amdgpu-renderD-7.img"));
        (string name, byte[] bytes) = damage switch
        {
            "kfd truncated" => ("amdgpu-kfd-5.img", File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu", "damaged", "truncated-kfd", "amdgpu-kfd-5.img"))),
            "kfd cut inside a device entry" => ("amdgpu-kfd-5.img", WithHeader(kfd[8..200])),
            "kfd pid length-delimited" => ("amdgpu-kfd-5.img", WithHeader([0x0A, 1, 5, .. kfd.AsSpan(9 + VarintLength(kfd, 9)).ToArray()])),
            _ => ("amdgpu-renderD-7.img", node[..(node.Length / 2)]),
        };
        Assert.Equal(0x08, kfd[8]); // pid, field 1, a varint: what the length-delimited case replaces
        string named = Path.Combine(Folder, name);
        File.WriteAllBytes(named, bytes);
        foreach (string command in new[] { "info", "verify", "plan", "show", "decode" })
        {
            (int code, string output, string error) = await Cli.Run(command, named);
            (int stdinCode, string stdinOutput, string stdinError) = await Stdin(bytes, command, "-");
            Assert.Equal(2, code);
            Assert.True(stdinCode == code, $"{command} -: exit {stdinCode}: {stdinError}{stdinOutput}");
            Assert.Equal(error.Replace(named, "-", StringComparison.Ordinal), stdinError);
            Assert.DoesNotContain(Neither, stdinError + stdinOutput, StringComparison.Ordinal);
            if (command == "verify")
            {
                Assert.Equal(output.Split('\n')[0].Replace(named, "-", StringComparison.Ordinal), stdinOutput.Split('\n')[0]);
            }
        }
    }

    /// <summary>
    /// A KFD image or render node cut before its field 4 holds only fields both begin with (pid or gpu_id, ...): read
    /// without its name nothing tells which it is, and every command says that in one line, exit 2, not "neither".
    /// A file whose header says no more than it holds, or whose fields are not these, is not called cut.
    /// </summary>
    [Fact]
    public async Task ACriuFileCutBeforeItsKindShows_IsSaidCut_InEveryCommand()
    {
        string criuDev = Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev");
        foreach (string file in new[] { "amdgpu-kfd-5.img", "amdgpu-renderD-7.img" })
        {
            byte[] whole = File.ReadAllBytes(Path.Combine(criuDev, file));
            for (int cut = 9; whole[cut] != 0x22 && whole[cut] != 0x20; cut++)
            {
                byte[] bytes = whole[..cut];
                foreach (string command in new[] { "info", "verify", "plan", "show", "decode", "stats", "restorable" })
                {
                    (int code, string output, string error) = await Stdin(bytes, command, "-");
                    string said = command == "verify" ? output.Split('\n')[0] : error;
                    Assert.True(code == 2, $"{command} - of {file} cut at {cut}: exit {code}");
                    Assert.Contains($"a CRIU amdgpu file cut short at byte {cut}: the header says the message has {BitConverter.ToUInt64(whole)} bytes", said, StringComparison.Ordinal);
                    Assert.Contains("a KFD image and a render node alike", said, StringComparison.Ordinal);
                    Assert.Equal(command == "verify" ? 3 : 1, (output + error).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
                }
            }
        }

        // A whole message of field 1 alone (a released render node's shape), a header over text, fields out of order: not "cut".
        byte[] released = File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu", "released-v4.2", "amdgpu-renderD-7.img"));
        byte[] text = [.. BitConverter.GetBytes(100UL), .. "hello"u8];
        foreach (byte[] bytes in new[] { released, text, [.. BitConverter.GetBytes(100UL), 0x10, 1, 0x08, 1] })
        {
            (_, string output, string error) = await Stdin(bytes, "info", "-");
            Assert.DoesNotContain("cut short", output + error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Stats_OffersImport_OnlyForARenderNodeImportConverts()
    {
        string criu = Path.Combine(RepoPaths.Fixtures, "criu");
        string damaged = Path.Combine(Folder, "damaged", "amdgpu-renderD-7.img");
        Directory.CreateDirectory(Path.GetDirectoryName(damaged)!);
        byte[] body = [0x22, 1, 3, .. File.ReadAllBytes(Path.Combine(criu, "criu-dev", "amdgpu-renderD-7.img"))[8..]];
        File.WriteAllBytes(damaged, WithHeader(body));
        string[] nodes = [.. new[] { "criu-dev", "released-v4.2", "d5377d5d2" }.Select(r => Path.Combine(criu, r, "amdgpu-renderD-7.img")), damaged];
        for (int i = 0; i < nodes.Length; i++)
        {
            string output = Path.Combine(Folder, $"imported-{i}.cimg");
            (int imported, _, _) = await Cli.Run("import", nodes[i], "-o", output);
            bool converts = imported == 0 && File.Exists(output);
            (int code, _, string error) = await Cli.Run("stats", nodes[i]);
            Assert.Equal(2, code);
            Assert.True(converts == error.Contains("'import' converts it", StringComparison.Ordinal), $"{nodes[i]}: import {(converts ? "converts it" : "does not")}, stats says: {error}");
        }
    }

    [Fact]
    public async Task ARestoreEnding_NamesAPipedInput_AsItsLineDoes()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash"))
        {
            return; // not applicable here: <(...) is bash's
        }

        // A render node protobuf-c refuses, through <(...): CRI325's text and plan's "in FILE" named it "63".
        byte[] body = [0x22, 1, 3, .. File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-renderD-7.img"))[8..]];
        string node = Path.Combine(Folder, "node.bin");
        File.WriteAllBytes(node, WithHeader(body));
        foreach (string command in new[] { "verify", "plan" })
        {
            (int code, string output, string error) = await CliProcess.Bash($"{CliProcess.Quote(CliProcess.Executable)} {command} <(cat {CliProcess.Quote(node)})");
            Assert.Equal(2, code);
            string said = output + error;
            Assert.Matches(@"/dev/fd/\d+ does not unpack", said);
            Assert.DoesNotMatch(@": \d+ does not unpack|\(CRI325\) in \d+", said);
        }
    }

    [Theory]
    [InlineData("payload checksum of frame 1", 400)]
    [InlineData("header of frame 1", 300)]
    [InlineData("trailing bytes", -1)]
    public async Task ADamagedCriuImage_ExitsTwo_InEveryCommand_VerifyIncluded(string damage, int at)
    {
        // verify's recovering scan read on past the damage and said "findings", exit 1, where every other command exits 2.
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"));
        bytes = at < 0 ? [.. bytes, 0, 0] : bytes;
        if (at >= 0)
        {
            bytes[at] ^= 0xFF;
        }

        string image = Path.Combine(Folder, "damaged.img");
        File.WriteAllBytes(image, bytes);
        foreach (string command in new[] { "verify", "info", "show", "decode", "stats", "plan" })
        {
            (int code, string output, string error) = await Cli.Run(command, image);
            Assert.True(code == 2, $"{command} of an image with damaged {damage}: exit {code}: {error}{output}");
        }

        (int verified, string json, _) = await Cli.Run("verify", "--format", "json", image);
        Assert.Equal(2, verified);
        Assert.Equal("unreadable", (string?)JsonNode.Parse(json)!["files"]![0]!["status"]);
    }

    private static byte[] WithHeader(byte[] body) => [.. BitConverter.GetBytes((ulong)body.Length), .. body];

    private static int VarintLength(byte[] bytes, int at)
    {
        int n = 1;
        while ((bytes[at + n - 1] & 0x80) != 0)
        {
            n++;
        }

        return n;
    }

    private static string Expected(string command, string name) =>
        command == "verify" ? $"{name}: error CRI001: {Neither}\n" : $"{name}: error: {Neither}\n";

    private static async Task<(int Code, string Output, string Error)> Stdin(byte[] input, params string[] args)
    {
        using var stdin = new MemoryStream(input);
        using var stdout = new MemoryStream();
        using var errors = new StringWriter();
        int code = await Analyzer.Program.RunAsync(args, stdin, stdout, errors);
        return (code, Encoding.UTF8.GetString(stdout.ToArray()), errors.ToString());
    }
}
