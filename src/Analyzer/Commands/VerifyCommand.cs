using System.CommandLine;
using CriuImage.Reporting;
using CriuImage.Verification;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image verify [--format text|json|sarif] [--fail-on error|warning] PATH...</c>.</summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter output, TextWriter error, Terminal? terminal = null)
    {
        terminal ??= Terminal.Plain;
        var paths = new Argument<string[]>("PATH") { Description = "Images, or folders searched for images.", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "Report format.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "sarif");
        var failOn = new Option<string>("--fail-on") { Description = "Lowest severity that makes the exit status 1.", DefaultValueFactory = _ => "error" };
        failOn.AcceptOnlyFromAmong("error", "warning", "note");
        var jobs = new Option<int>("--jobs", "-j") { Description = "Files verified at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var maxFindings = new Option<int>("--max-findings") { Description = "Findings listed per code and file; the rest are counted in the totals (0 lists all).", DefaultValueFactory = _ => ImageVerifier.CapPerCode };
        maxFindings.Validators.Add(result => { if (result.GetValueOrDefault<int>() < 0) { result.AddError("--max-findings must be 0 (all) or more"); } });
        var command = new Command("verify", "Check captured images offline: the file's integrity and the kernel's rules for BOs and mappings. Codes: docs/diagnostics.md. Exit status: 0 nothing at the --fail-on level, 1 findings at it, 2 an input could not be read.") { paths, format, failOn, jobs, maxFindings };
        command.SetAction(async (parse, cancellationToken) =>
        {
            List<string> files = Verifier.Expand(parse.GetValue(paths)!);
            if (files.Count == 0)
            {
                await error.WriteLineAsync("criu-image: error: no image found in the given folders");
                return ExitCodes.Unusable;
            }

            FileReport[] reports = await terminal.WithProgressAsync($"verifying {files.Count} files", files.Count, progress =>
                Verifier.VerifyAsync(files, Math.Max(1, parse.GetValue(jobs)), cancellationToken, parse.GetValue(maxFindings), progress));
            Severity threshold = parse.GetValue(failOn) switch
            {
                "warning" => Severity.Warning,
                "note" => Severity.Note,
                _ => Severity.Error,
            };
            int exitCode = reports.Any(r => r.Status == FileStatus.Unreadable) ? ExitCodes.Unusable
                : reports.Any(r => r.Summary.AtLeast(threshold) > 0) ? ExitCodes.Findings
                : ExitCodes.Success;
            await WriteAsync(reports, parse.GetValue(format)!, output, exitCode, terminal);
            return exitCode;
        });
        return command;
    }

    private static async Task WriteAsync(FileReport[] reports, string format, TextWriter output, int exitCode, Terminal terminal)
    {
        if (format == "text")
        {
            await output.WriteAsync(terminal.Colour(TextReport.Write(reports)));
            return;
        }

        using var buffer = new MemoryStream();
        if (format == "json")
        {
            JsonReport.Write(reports, buffer);
        }
        else
        {
            SarifReport.Write(reports, buffer, exitCode);
        }

        await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
