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
