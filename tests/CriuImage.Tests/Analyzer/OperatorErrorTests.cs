using System.Text.Json.Nodes;
using CriuImage.Reporting;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Mistakes an operator makes get one clear line, exit code 2, and the way forward (issue 12, docs/reliability.md).</summary>
public sealed class OperatorErrorTests : TempFolder
{
    [Theory]
    [InlineData("info", "")]
    [InlineData("decode", "")]
    [InlineData("decode", "fixtures/criu-v8.img", "-o", "")]
    [InlineData("encode", "fixtures/criu-v8.json", "-o", "")]
    [InlineData("host-snapshot", "--topology", "fixtures/topology/gfx1100-2", "-o", "")]
    [InlineData("host-check", "--source", "", "--host", "fixtures/topology/gfx1100-2")]
    [InlineData("verify", "fixtures/criu/hosts/gfx1100-2", "--host", "")]
    public async Task EmptyPaths_AreOneLine(params string[] args)
    {
        (int code, string output, string error) = await Cli.Run([.. args.Select(a => a.StartsWith("fixtures/", StringComparison.Ordinal) ? Path.Combine(RepoPaths.Root, a) : a)]);
        Assert.Equal((2, ""), (code, output));
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("path is empty", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stats")]
    [InlineData("diff")]
    [InlineData("encode")]
    public async Task AFolderWhereOneImageIsRead_IsSaid_NotAccessDenied(string command)
    {
        string[] args = command switch
        {
            "diff" => ["diff", Folder, Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img")],
            "encode" => ["encode", Folder, "-o", "-"],
            _ => [command, Folder],
        };
        (int code, _, string error) = await Cli.Run(args);
        Assert.Equal(2, code);
        Assert.Contains($"{Folder}: error: a folder, not a file: this command reads one file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_PrintsTheUsage()
    {
        (int code, _, string error) = await Cli.Run();
        Assert.Equal(2, code);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
        Assert.Contains("verify", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_IsNamedAsAnOption()
    {
        (int code, string output, string error) = await Cli.Run("verify", "--frobnicate", Path.Combine(RepoPaths.Fixtures, "criu-v8.img"));
        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith("criu-image: error: unknown option '--frobnicate' for 'verify'\n", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("criu-image: error: --jobs '99999999999' is not a whole number from 1 to 2147483647", "verify", "--jobs", "99999999999")]
    [InlineData("criu-image: error: --jobs must be 1 or more", "verify", "--jobs", "0")]
    [InlineData("criu-image: error: --max-findings must be 0 (all) or more", "verify", "--max-findings", "-1")]
    [InlineData("criu-image: error: --max-findings 'many' is not a whole number from 0 to 2147483647", "verify", "--max-findings", "many")]
    [InlineData("criu-image: error: --format 'xml' is not one of: text, json, sarif", "verify", "--format", "xml")]
    [InlineData("criu-image: error: --format 'yaml' is not one of: text, json", "show", "--format", "yaml")]
    [InlineData("criu-image: error: 'tcsh' is not one of: bash, zsh, fish", "completion", "tcsh")]
    [InlineData("criu-image: error: unknown command 'verfiy' ('criu-image --help' lists them)", "verfiy")]
    [InlineData("criu-image: error: --pid must be 1 or more", "capture", "--pid", "0", "-o", "-")]
    [InlineData("criu-image: error: --fd must be 0 or more", "capture", "--pid", "1", "--fd", "-1", "-o", "-")]
    public async Task ValuesOutOfRangeOrChoice_AreOneLineInOurWords_NeverTheParsersException(string said, params string[] args)
    {
        string[] withInput = args[0] is "verify" or "show" ? [.. args, Path.Combine(RepoPaths.Fixtures, "criu-v8.img")] : args;
        (int code, string output, string error) = await Cli.Run(withInput);
        Assert.Equal((2, ""), (code, output));
        Assert.Equal(said, error.Split('\n')[0]);
        Assert.Equal(2, error.TrimEnd('\n').Split('\n').Length); // the line, then where the usage is
    }

    [Fact]
    public async Task AfterDoubleDash_ADashIsAName()
    {
        (int code, string output, _) = await Cli.Run("verify", "--", "-x.img");
        Assert.Equal(2, code);
        Assert.Contains("-x.img", output, StringComparison.Ordinal); // verified (and not found), not refused as an option
    }

    [Fact]
    public async Task Encode_OfAnImage_SaysUseDecode()
    {
        (int code, _, string error) = await Cli.Run("encode", Path.Combine(RepoPaths.Fixtures, "criu-v8.img"), "-o", Path.Combine(Folder, "x.img"));
        Assert.Equal(2, code);
        Assert.Contains("(1,1): error: this is an image, not a JSON document: use 'criu-image decode'", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Folder));
    }

    [Fact]
    public async Task Encode_OfAnImage_OnStandardInput_SaysUseDecode()
    {
        using var output = new MemoryStream();
        using var error = new StringWriter();
        int code = await Analyzer.Program.RunAsync(["encode", "-", "-o", "-"], new MemoryStream(Images.Fixture("criu-2025-06")), output, error);
        Assert.Equal((2, 0L), (code, output.Length));
        Assert.Contains("-(1,1): error: this is an image, not a JSON document: use 'criu-image decode'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_OfJson_SaysUseEncode()
    {
        (int code, _, string error) = await Cli.Run("decode", Path.Combine(RepoPaths.Fixtures, "criu-v8.json"));
        Assert.Equal(2, code);
        Assert.Contains("this looks like a JSON document: 'criu-image encode'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_OfCriusRenderNodeImage_GivesItsJson_WithTheRevision()
    {
        string criu = Path.Combine(Folder, "amdgpu-renderD-128.img");
        File.WriteAllBytes(criu, CriuImages.File(CriuImages.Sample()));
        (int code, string output, string error) = await Cli.Run("decode", criu);
        Assert.Equal((0, ""), (code, error));
        Assert.Equal("render-node", JsonNode.Parse(output)!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Verify_OfCriusRenderNodeImage_VerifiesItAsACriuFile()
    {
        string criu = Path.Combine(Folder, "amdgpu-renderD-128.img");
        File.WriteAllBytes(criu, CriuImages.File(CriuImages.Sample()));
        (int code, string output, _) = await Cli.Run("verify", criu);
        Assert.NotEqual(2, code);
        Assert.DoesNotContain("CRI001", output, StringComparison.Ordinal);
        Assert.Contains("mappings checked, CRIU criu-dev", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_OfACriuImageFile_SaysWhatItIs()
    {
        string inventory = Path.Combine(Folder, "inventory.img");
        File.WriteAllBytes(inventory, [0x19, 0x43, 0x56, 0x54, 0x16, 0x31, 0x31, 0x58, .. new byte[56]]); // IMG_COMMON_MAGIC, INVENTORY_MAGIC, then an entry
        (int code, _, string error) = await Cli.Run("decode", inventory);
        Assert.Equal(2, code);
        Assert.Contains("one of CRIU's own image files (crit decodes it)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileNameWithANewline_CannotForgeAReportLine()
    {
        string name = Path.Combine(Folder, "evil\nforged.img: ok: 0 errors, 0 warnings, 0 notes, 0 mappings checked\n\x1b[2J.img");
        File.WriteAllBytes(name, [.. Images.Fixture("criu-v8")[..100]]);
        (int code, string output, _) = await Cli.Run("verify", name);
        Assert.NotEqual(0, code);
        Assert.DoesNotContain("\nforged.img", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\x1b', output);
        Assert.Contains("evil\\nforged.img", output, StringComparison.Ordinal);
        Assert.Equal(3, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the finding, the file's summary, the totals
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unexpected_IsOneLine_Exit2_AndTheDetailOnlyUnderVerbose(bool verbose)
    {
        // A standard input that fails in a way no command expects stands for any bug: the guard reports it.
        using var error = new StringWriter();
        string[] args = verbose ? ["decode", "-", "--verbose"] : ["decode", "-"];
        int code = await Analyzer.Program.RunAsync(args, new FailingStream(), Stream.Null, error);
        Assert.Equal(2, code);
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("criu-image: error: unexpected InvalidOperationException: the stream broke", lines[0]);
        if (verbose)
        {
            Assert.Contains(lines, line => line.Contains("   at ", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(["(run with --verbose for the details)"], lines[1..]);
        }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("\x1b[31mred", "\\e[31mred")]
    [InlineData("tab\there\r", "tab\\there\\r")]
    [InlineData("c1\u009b", "c1\\x9b")]
    [InlineData("bidi\u202etxt", "bidi\\u{202e}txt")]
    [InlineData("back\\slash é", "back\\slash é")]
    public void Printable_EscapesControlsOnly(string text, string expected) => Assert.Equal(expected, Printable.Escape(text));

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the stream broke");

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
