using System.Diagnostics;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>criu-image completion bash|zsh|fish</c>: scripts generated from the command tree, completing commands, options and their values.</summary>
public sealed class CompletionTests : TempFolder
{
    [Theory]
    [InlineData("criu-image ver", "verify")]
    [InlineData("criu-image s", "show stats")]
    [InlineData("criu-image verify --form", "--format")]
    [InlineData("criu-image verify --format ", "json sarif text")]
    [InlineData("criu-image verify --fail-on w", "warning")]
    [InlineData("criu-image diff --format j", "json")]
    [InlineData("criu-image completion ", "bash fish zsh")]
    [InlineData("criu-image decode --verb", "--verbose")]
    public async Task Bash_CompletesCommandsOptionsAndValues(string line, string expected)
    {
        if (!File.Exists("/bin/bash"))
        {
            return; // not applicable here
        }

        (int code, string script, _) = await Cli.Run("completion", "bash");
        Assert.Equal(0, code);
        string file = Path.Combine(Folder, "criu-image.bash");
        File.WriteAllText(file, script);
        string[] words = line.Split(' ');
        string driver = $"source '{file}'; COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; _criu_image; printf '%s\\n' \"${{COMPREPLY[@]}}\" | sort | tr '\\n' ' '";
        var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = Folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(driver);
        using Process bash = Process.Start(start)!;
        string output = await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.Equal(expected, output.Trim());
    }

    [Theory]
    [InlineData("criu-image ver", "verify")]
    [InlineData("criu-image s", "show stats")]
    [InlineData("criu-image verify --format ", "json sarif text")]
    [InlineData("criu-image diff --format j", "json")]
    public async Task Fish_CompletesCommandsAndValues(string line, string expected)
    {
        (int code, string script, _) = await Cli.Run("completion", "fish");
        Assert.Equal(0, code);
        string file = Path.Combine(Folder, "criu-image.fish");
        File.WriteAllText(file, script);
        string output = await Shell("fish", $"source '{file}'; complete -C '{line}'");
        Assert.Equal(expected, string.Join(' ', output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Zsh_ParsesTheScript()
    {
        (int code, string script, _) = await Cli.Run("completion", "zsh");
        Assert.Equal(0, code);
        string file = Path.Combine(Folder, "_criu-image");
        File.WriteAllText(file, script);
        Assert.Equal("", await Shell("zsh", $"zsh -n '{file}' 2>&1; echo -n"));
    }

    [Theory]
    [InlineData("zsh", "'(--jobs -j)'{--jobs,-j}", "--format[Report format]:value:(json sarif text)")]
    [InlineData("fish", "-n '__fish_seen_subcommand_from verify' -l jobs -s j -x", "-l format -x -a 'json sarif text'")]
    public async Task ZshAndFish_NameEveryCommand_AndVerifysOptions(string shell, params string[] expected)
    {
        (int code, string script, _) = await Cli.Run("completion", shell);
        Assert.Equal(0, code);
        foreach (string command in new[] { "decode", "encode", "info", "verify", "import", "show", "diff", "stats", "completion" })
        {
            Assert.Contains(command, script, StringComparison.Ordinal);
        }

        foreach (string fragment in expected)
        {
            Assert.Contains(fragment, script, StringComparison.Ordinal);
        }
    }

    /// <summary>Runs <paramref name="command"/> in <paramref name="shell"/> (which the test command installs); its standard output.</summary>
    private async Task<string> Shell(string shell, string command)
    {
        var start = new ProcessStartInfo(shell) { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = Folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output.Trim();
    }
}
