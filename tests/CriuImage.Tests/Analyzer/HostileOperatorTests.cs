using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>What a hostile operator's sweep of every command found still said in the runtime's or the parser's words, or lost (issue 20).</summary>
public sealed class HostileOperatorTests : TempFolder
{
    private static readonly string Image = Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img");

    [Fact]
    public async Task AnOutputOnTheRuntimesOwnPipe_IsRefused_NotWrittenAndLost()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash"))
        {
            return; // not applicable here: descriptors are bash's and Linux's
        }

        // With 3 and 4 closed, the runtime's own pipe takes them: /dev/fd/4 was its write end, and decode wrote the JSON
        // into it, exit 0, the output gone.
        (int code, string output, string error) = await CliProcess.Bash($"{CliProcess.Quote(CliProcess.Executable)} decode {CliProcess.Quote(Image)} -o /dev/fd/4 3>&- 4>&-");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("criu-image: error: cannot write /dev/fd/4: the descriptor is a pipe this process reads itself", error, StringComparison.Ordinal);

        // A pipe the caller passed is still written through.
        (code, output, _) = await CliProcess.Bash($"{CliProcess.Quote(CliProcess.Executable)} decode {CliProcess.Quote(Image)} -o /dev/fd/3 3>&1 >/dev/null | wc -c");
        Assert.Equal(0, code);
        Assert.True(int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture) > 100, output);
    }

    [Theory]
    [InlineData("criu-image: error: 'verify' is missing an argument: it takes <PATH>", "verify")]
    [InlineData("criu-image: error: 'encode' needs --output", "encode", "x.json")]
    [InlineData("criu-image: error: unknown option '--bogus' for 'plan'", "plan", "--bogus", "x.img")]
    public async Task ACommandLineMistake_IsOneLineInOurWords(string line, params string[] args)
    {
        // Was: "Required argument missing for command: 'verify'.", "Option '--output' is required.", and the path
        // said "unexpected" before the unknown option that pushed it out.
        (int code, string output, string error) = await Cli.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(line, error.Split('\n')[0]);
        Assert.Equal(2, error.TrimEnd('\n').Split('\n').Length);
    }
}
