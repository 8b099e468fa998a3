using System.CommandLine;
using System.Text.Json;
using CriuImage.Analyzer.Cli;
using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.IO;
using CriuImage.Input;
using CriuImage.Reporting;
using CriuImage.Restore;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image plan INPUT [--target KERNEL] [--host TOPOLOGY [--env NAME=VALUE]... [--disk-order]] [--target-kernel RELEASE] [--criu VERSION] [--contents serial|parallel] [--kernel-has change-handle=yes|no] [--format text|json]</c>:
/// the calls a restorer makes, and which the target refuses; for a CRIU dump, CRIU's GPU map on the host too.
/// </summary>
internal static class PlanCommand
{
    public static Command Create(StandardStreams std)
    {
        TextWriter output = std.Text;
        TextWriter error = std.Error;
        var command = new PlanCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Input)!;
            return CommandErrors.RunAsync(path, error, async () =>
            {
                (bool usable, KernelProfile? profile, Topology.HostTarget? host) = await command.Host.ResolveAsync(parse, TargetOption.Profile(parse.GetValue(command.Target)), error);
                if (!usable)
                {
                    return ExitCodes.Unusable;
                }

                (bool replayUsable, ReplayOptions replay, profile) = await command.Replay.ResolveAsync(parse, profile, host, error, std.Words);
                if (!replayUsable)
                {
                    return ExitCodes.Unusable;
                }

                bool json = parse.GetValue(command.Format) == "json";
                using CommandInput input = CommandInput.Open(path, std);
                if (input.Inputs is { } inputs)
                {
                    return await PlanDumpsAsync(input, inputs, host, profile, replay, json, std);
                }

                profile ??= host?.Profile;

                // The plan reads the image twice (counts and refusals, then the calls as they are written): a stream is
                // spooled to an unlinked temporary file first, so that neither the image nor the calls are held.
                using FileStream? spool = input.IsStream ? await SpoolAsync(input) : null;
                StreamedRestorePlan plan = spool is not null
                    ? StreamedRestorePlan.Create(spool.SafeFileHandle, input.Path, profile)
                    : StreamedRestorePlan.Create(input.ImageFile, path, profile);
                // Millions of lines: written as UTF-8 straight to standard output, after any text held before them.
                await output.FlushAsync(cancellationToken);
                if (json)
                {
                    PlanReport.WriteJson(plan, std.Output);
                }
                else
                {
                    using var lines = new Utf8LineWriter(std.Output);
                    PlanReport.WriteText(plan, lines);
                }

                return ExitCodes.For(unreadable: false, findings: plan.RefusedCalls > 0);
            });
        });
        return command;
    }

    private static async Task<FileStream> SpoolAsync(CommandInput input)
    {
        await using Stream image = input.OpenImageStream();
        return StreamSpool.Copy(image, long.MaxValue, max => $"{input.Path}: more than {max} bytes");
    }

    /// <summary>
    /// A dump folder, container archive or CRIU file: one <see cref="DumpRestorePlan"/> per dump (JSON:
    /// <c>{"dumps": [...]}</c>); criu-images found beside them are named (each plans on its own); exit 2 when
    /// nothing is a dump, an input cannot be read or a file is damaged (as verify), else 1 when a step is refused
    /// or the restore does not come back as saved (it fails, crashes, never ends, differs, or timing decides).
    /// </summary>
    private static async Task<int> PlanDumpsAsync(CommandInput input, InputSet inputs, Topology.HostTarget? host, KernelProfile? target, ReplayOptions replay, bool json, StandardStreams std)
    {
        if (await input.DumpsAsync("plan", "plans", std.Error) is not { } inputPlan)
        {
            return ExitCodes.Unusable;
        }

        // Each dump is planned and written before the next is planned: the reports stream, one plan is held at a time.
        // Millions of lines: written as UTF-8 straight to standard output, after any text held before them.
        bool failing = false;
        await std.Text.FlushAsync();
        if (json)
        {
            using (var writer = IO.JsonOutput.Create(std.Output))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("dumps");
                foreach (PlannedDump dump in inputPlan.Dumps)
                {
                    DumpRestorePlan plan = DumpRestorePlan.Create(dump.Dump, replay, host, target, dump.Complete);
                    failing |= plan.Fails;
                    PlanReport.WriteJson(plan, writer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            std.Output.Write("\n"u8);
        }
        else
        {
            using var lines = new Utf8LineWriter(std.Output);
            foreach (PlannedDump dump in inputPlan.Dumps)
            {
                DumpRestorePlan plan = DumpRestorePlan.Create(dump.Dump, replay, host, target, dump.Complete);
                failing |= plan.Fails;
                PlanReport.WriteText(plan, lines);
            }
        }

        bool damaged = await CommandErrors.ReportDamageAsync(inputPlan.Dumps.SelectMany(d => d.Dump.Files), std.Error);
        return ExitCodes.For(inputs.Unreadable.Count > 0 || damaged, failing);
    }
}
