using System.Text.RegularExpressions;
using CriuImage.Analyzer.Cli;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Colours for a terminal only: the same text with ANSI styles there, none in a pipe.</summary>
public sealed partial class TerminalTests
{
    private const string Report = "a.img: error CRI205: [x] overlap\na.img: findings: 1 error, 0 warnings, 0 notes, 2 mappings checked\nb.img: ok: 0 errors, 0 warnings, 0 notes, 1 mappings checked\nverified 2 files: 1 ok, 1 with findings, 0 unreadable; 1 error, 0 warnings, 0 notes\n";

    [Fact]
    public void OnATerminal_SeveritiesAreColoured_AndTheTextIsUnchanged()
    {
        string coloured = new Terminal(colourOutput: true, progressOnError: false, TextWriter.Null).Colour(Report);
        Assert.Contains("\x1b[", coloured, StringComparison.Ordinal);
        Assert.Equal(Report, Ansi().Replace(coloured, ""));
    }

    [Fact]
    public void Plain_AddsNothing() => Assert.Equal(Report, Terminal.Plain.Colour(Report));

    [Fact]
    public async Task InAPipe_NoColourReachesTheOutput()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        (int code, string output, _) = await CliProcess.Shell("| cat", "verify", Path.Combine(RepoPaths.Fixtures, "verify", "CRI205-mapping-overlap.img"), Path.Combine(RepoPaths.Fixtures, "criu-v8.img"));
        Assert.Equal(0, code); // the exit status of cat
        Assert.DoesNotContain('\x1b', output);
        Assert.Contains(": error CRI205:", output, StringComparison.Ordinal);
    }

    [GeneratedRegex("\x1b\\[[0-9;]*m")]
    private static partial Regex Ansi();
}
