using System.CommandLine;
using CriuImage.Reporting;
using CriuImage.Sources;
using CriuImage.Verification;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image verify [--format text|json|sarif] [--fail-on error|warning] [--target KERNEL] [--follow-symlinks] PATH...</c>.</summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Images, CRIU amdgpu files, dump folders, container checkpoint archives (.tar, .tar.gz, .tgz), or - for standard input.", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "Report format.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "sarif");
        var failOn = new Option<string>("--fail-on") { Description = "Lowest severity that makes the exit status 1.", DefaultValueFactory = _ => "error" };
        failOn.AcceptOnlyFromAmong("error", "warning", "note");
        Option<string?> target = PlanCommand.TargetOption();
        var jobs = new Option<int>("--jobs", "-j") { Description = "Files verified at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var follow = new Option<bool>("--follow-symlinks") { Description = "Follow symbolic links inside folders (they are skipped and listed otherwise)." };
        var command = new Command("verify", "Check captured images and CRIU amdgpu dumps offline: the files' integrity, the kernel's rules for BOs and mappings, and the rules across a dump's files.") { paths, format, failOn, target, jobs, follow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            InputSet inputs = InputCollector.Collect(parse.GetValue(paths)!, new InputOptions { FollowSymlinks = parse.GetValue(follow), Progress = TerminalProgress.For(error) }, Console.OpenStandardInput);
            if (inputs.Files.Count == 0 && inputs.Unreadable.Count == 0)
            {
                await error.WriteLineAsync($"criu-image: error: no image or CRIU amdgpu file found in the given inputs ({inputs.Skipped.Count} other {(inputs.Skipped.Count == 1 ? "entry" : "entries")} skipped)");
                foreach (SkippedInput s in inputs.Skipped.Where(s => s.Kind != SkipKind.Other))
                {
                    await error.WriteLineAsync($"{s.Path}: skipped: {s.Reason}");
                }

                return ExitCodes.Unusable;
            }

            VerifyRun run = await Verifier.VerifyAsync(inputs, Math.Max(1, parse.GetValue(jobs)), cancellationToken, PlanCommand.Profile(parse.GetValue(target)));
            await WriteAsync(run, parse.GetValue(format)!, output);
            Severity threshold = parse.GetValue(failOn) switch
            {
                "warning" => Severity.Warning,
                "note" => Severity.Note,
                _ => Severity.Error,
            };
            return run.Reports.Any(r => r.Status == FileStatus.Unreadable) ? ExitCodes.Unusable
                : run.Reports.Any(r => r.Diagnostics.Any(d => d.Severity <= threshold)) ? ExitCodes.Findings
                : ExitCodes.Success;
        });
        return command;
    }

    private static async Task WriteAsync(VerifyRun run, string format, TextWriter output)
    {
        if (format == "text")
        {
            await output.WriteAsync(TextReport.Write(run.Reports, run.Skipped));
            return;
        }

        using var buffer = new MemoryStream();
        if (format == "json")
        {
            JsonReport.Write(run.Reports, run.Skipped, buffer);
        }
        else
        {
            SarifReport.Write(run.Reports, buffer);
        }

        await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
