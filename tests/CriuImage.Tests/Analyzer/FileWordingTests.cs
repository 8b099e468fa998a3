using System.Text;
using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>A file no reader of this tool reads, and a damaged CRIU file on standard input, are said alike by every command (issue 20).</summary>
public sealed class FileWordingTests : TempFolder
{
    private const string Neither = "neither a criu-image nor a CRIU amdgpu file";

    private static readonly string[] Commands = ["info", "verify", "plan", "show", "decode", "stats"];

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
