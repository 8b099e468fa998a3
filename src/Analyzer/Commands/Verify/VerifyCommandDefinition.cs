using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Verification;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// What <c>criu-image verify</c> accepts: its arguments and options with their help, defaults and validation.
/// <see cref="VerifyCommand"/> runs it.
/// </summary>
internal sealed class VerifyCommandDefinition : Command
{
    public VerifyCommandDefinition()
        : base("verify", "Check captured images and CRIU amdgpu dumps offline: the files' integrity, the kernel's rules for BOs and mappings, and the rules across a dump's files. Codes: docs/diagnostics.md. Exit status: 0 nothing at the --fail-on level, 1 findings at it, 2 an input could not be read.")
    {
        FailOn.AcceptOnlyFromAmong("error", "warning", "note");
        WholeNumberOption.AtLeast(Jobs, 1);
        WholeNumberOption.AtLeast(MaxFindings, 0, "0 (all)");
        Arguments.Add(Paths);
        foreach (Option option in new Option[] { Format, FailOn, Target, Jobs, MaxFindings, Follow })
        {
            Options.Add(option);
        }

        Host.AddTo(this);
        Replay.AddTo(this);
    }

    public Argument<string[]> Paths { get; } = new("PATH") { Description = "Images, CRIU amdgpu files, dump folders, container checkpoint archives (.tar, .tar.gz, .tgz), or - for standard input.", Arity = ArgumentArity.OneOrMore };

    public Option<string> Format { get; } = FormatOption.Create("Report format.", "text", "json", "sarif");

    public Option<string> FailOn { get; } = new("--fail-on") { Description = "Lowest severity that makes the exit status 1.", DefaultValueFactory = _ => "error" };

    public Option<string?> Target { get; } = TargetOption.Create();

    public Option<int> Jobs { get; } = new("--jobs", "-j") { Description = "Files verified at once.", DefaultValueFactory = _ => Environment.ProcessorCount };

    public Option<int> MaxFindings { get; } = new("--max-findings") { Description = "Findings listed per code and file; the rest are counted in the totals (0 lists all).", DefaultValueFactory = _ => ImageVerifier.CapPerCode };

    public Option<bool> Follow { get; } = new("--follow-symlinks") { Description = "Follow symbolic links inside folders (they are skipped and listed otherwise)." };

    /// <summary><c>--host</c>, <c>--env</c>, <c>--target-kernel</c>, <c>--disk-order</c>.</summary>
    public RestoreHostOptions Host { get; } = new();

    /// <summary><c>--criu</c>, <c>--contents</c>, <c>--kernel-has</c>.</summary>
    public ReplayCliOptions Replay { get; } = new();

    /// <summary>The lowest severity <c>--fail-on</c> names.</summary>
    public Severity Threshold(ParseResult parse) => parse.GetValue(FailOn) switch
    {
        "warning" => Severity.Warning,
        "note" => Severity.Note,
        _ => Severity.Error,
    };
}
