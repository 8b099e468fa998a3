using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Input;
using CriuImage.Reporting;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image verify [--format text|json|sarif] [--fail-on error|warning|note] [--target KERNEL] [--max-findings N] [--follow-symlinks] [--host TOPOLOGY [--env NAME=VALUE]... [--disk-order]] [--target-kernel RELEASE] PATH...</c>.</summary>
internal static class VerifyCommand
{
    /// <summary>An image from this size on shows its progress by bytes on a terminal (it takes a second or more).</summary>
    private const long LargeImage = 64L << 20;

    public static Command Create(StandardStreams std)
    {
        TextWriter output = std.Text;
        TextWriter error = std.Error;
        var command = new VerifyCommandDefinition();
        command.SetAction(async (parse, cancellationToken) =>
        {
            (bool usable, KernelProfile? targetProfile, HostTarget? hostTarget) = await command.Host.ResolveAsync(parse, TargetOption.Profile(parse.GetValue(command.Target)), error);
            if (!usable)
            {
                return ExitCodes.Unusable;
            }

            (bool replayUsable, Restore.ReplayOptions replay, targetProfile) = await command.Replay.ResolveAsync(parse, targetProfile, hostTarget, error, std.Words);
            if (!replayUsable)
            {
                return ExitCodes.Unusable;
            }

            var options = new VerifyOptions
            {
                Target = targetProfile,
                Host = hostTarget,
                Words = std.Words,
                // The endings only the replay finds, along the CRIU that wrote the dump (or --criu) and the contents path its
                // pstree.img says (or --contents), as plan replays them: none is said that depends on what is not known.
                DumpVerdict = (dump, complete) => Restore.ReplayRules.Verdict(dump, complete, replay, hostTarget, targetProfile),
                // CRI314 compares the KFD BOs the restore maps into each GPU's VM, as plan does.
                KfdVm = kfd => Restore.KfdMappedGpus.Of(kfd) is { } mapped ? mapped.Maps : null,
            };
            if (await CommandErrors.StandardInputTwiceAsync(parse.GetValue(command.Paths)!, error))
            {
                return ExitCodes.Unusable;
            }

            InputSet inputs = DumpInputs.Collect(parse.GetValue(command.Paths)!, new InputOptions { Words = std.Words, FollowSymlinks = parse.GetValue(command.Follow), Progress = TerminalProgress.For(error) }, () => std.Input);
            if (inputs.Files.Count == 0 && inputs.Unreadable.Count == 0)
            {
                await error.WriteLineAsync(Printable.Escape($"criu-image: error: no image or CRIU amdgpu file found in the given inputs ({inputs.Skipped.Count} other {(inputs.Skipped.Count == 1 ? "entry" : "entries")} skipped)"));
                foreach (SkippedInput s in inputs.Skipped.Where(s => s.Kind != SkipKind.Other))
                {
                    await error.WriteLineAsync(Printable.Escape($"{s.Path}: skipped: {s.Reason}"));
                }

                return ExitCodes.Unusable;
            }

            if (hostTarget is not null && !InputPlan.Of(inputs).Dumps.Any(d => d.Dump.OfKind(Criu.CriuFileKind.KfdImage).Any()))
            {
                await error.WriteLineAsync(Printable.Escape($"criu-image: note: --host {hostTarget.Path}: no amdgpu-kfd-*.img among the inputs, so no GPU was matched (only the kernel release it records, if any, is used)"));
            }

            options = options with { MaxFindingsPerCode = parse.GetValue(command.MaxFindings) };
            Severity threshold = command.Threshold(parse);
            if (options.MaxFindingsPerCode == 0 && parse.GetValue(command.Format) == "text")
            {
                // Every finding listed: each goes out as it is found, files one after another, so memory does not grow with them.
                return ExitCode(StreamText(inputs, options, output, std.Terminal, cancellationToken), threshold);
            }

            if (options.MaxFindingsPerCode == 0)
            {
                // The JSON and SARIF documents put totals before the findings: the files are verified once for them,
                // then again as each finding is written, so none is held.
                using var stream = new TextWriterStream(output);
                VerifyRun streamed = parse.GetValue(command.Format) == "json"
                    ? JsonReport.WriteStreamed(inputs, options, stream, cancellationToken)
                    : SarifReport.WriteStreamed(inputs, options, stream, first => ExitCode(first, threshold), cancellationToken);
                return ExitCode(streamed, threshold);
            }

            int jobCount = parse.GetValue(command.Jobs);
            VerifyRun run = inputs.Files is [{ IsImage: true, DiskPath: not null, Length: var length }]
                ? await std.Terminal.WithProgressAsync($"verifying {inputs.Files[0].Path}", length, length >= LargeImage, bytes =>
                    Verifier.VerifyAsync(inputs, jobCount, cancellationToken, options with { BytesRead = bytes }))
                : await std.Terminal.WithProgressAsync($"verifying {inputs.Files.Count} files", inputs.Files.Count, inputs.Files.Count >= 2, progress =>
                    Verifier.VerifyAsync(inputs, jobCount, cancellationToken, options, progress is null ? null : new Progress<int>(done => progress.Report(done))));
            int exitCode = ExitCode(run, threshold);
            await WriteAsync(run, parse.GetValue(command.Format)!, output, exitCode, std.Terminal, std.Words);
            return exitCode;
        });
        return command;
    }

    private static int ExitCode(VerifyRun run, Severity threshold) =>
        ExitCodes.For(run.Reports.Any(r => r.Status == FileStatus.Unreadable), run.Reports.Any(r => r.Summary.AtLeast(threshold) > 0));

    /// <summary>The text report written as the files are verified: the same lines, in the same order, as the report written at the end.</summary>
    private static VerifyRun StreamText(InputSet inputs, VerifyOptions options, TextWriter output, Terminal terminal, CancellationToken cancellationToken)
    {
        void Emit(Action<TextWriter> write)
        {
            using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            write(text);
            output.Write(terminal.Colour(text.ToString()));
        }

        VerifyRun run = Verifier.VerifyInOrder(
            inputs,
            options,
            (path, finding) => Emit(text => TextReport.WriteFinding(path, finding, text)),
            report => Emit(text => TextReport.WriteFile(report, text)),
            cancellationToken);
        Emit(text =>
        {
            TextReport.WriteTotals(run.Reports, text);
            TextReport.WriteSkipped(run.Skipped, text, options.Words);
        });
        return run;
    }

    private static async Task WriteAsync(VerifyRun run, string format, TextWriter output, int exitCode, Terminal terminal, RemedyWords words)
    {
        if (format == "text")
        {
            await output.WriteAsync(terminal.Colour(TextReport.Write(run.Reports, run.Skipped, words)));
            return;
        }

        using var buffer = new MemoryStream();
        if (format == "json")
        {
            JsonReport.Write(run.Reports, run.Skipped, buffer);
        }
        else
        {
            SarifReport.Write(run.Reports, buffer, exitCode);
        }

        await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
