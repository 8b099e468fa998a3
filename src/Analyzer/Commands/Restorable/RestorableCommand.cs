using System.CommandLine;
using System.Text.Json;
using CriuImage.Analyzer.Cli;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Kernel;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image restorable DUMP [--host TOPOLOGY ...] [--kernel-has change-handle=yes|no] [--format text|json]</c>: which CRIU versions and kernel
/// lines restore the dump as saved, and why the others do not.
/// </summary>
internal static class RestorableCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new RestorableCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Input)!;
            return CommandErrors.RunAsync(path, std.Error, async () =>
            {
                (bool usable, _, Topology.HostTarget? host) = await command.Host.ResolveAsync(parse, null, std.Error);
                if (!usable)
                {
                    return ExitCodes.Unusable;
                }

                (usable, KernelProfile? stated) = await command.KernelHas.ApplyAsync(parse, null, host, std.Error);
                if (!usable)
                {
                    return ExitCodes.Unusable;
                }

                InputSet inputs = DumpInputs.Collect([path], new InputOptions { Words = std.Words }, () => std.Input);
                foreach (UnreadableInput unreadable in inputs.Unreadable)
                {
                    await std.Error.WriteLineAsync(Printable.Escape($"{unreadable.Path}: error: {unreadable.Reason}"));
                }

                InputPlan plan = InputPlan.Of(inputs);
                if (plan.Dumps.Count == 0 || inputs.Unreadable.Count > 0)
                {
                    // An unreadable input has said its own line; the others are said in the words plan and show use.
                    if (plan.Dumps.Count == 0 && inputs.Unreadable.Count == 0)
                    {
                        string what = inputs.Files is not [{ Found: false } file] ? "no CRIU amdgpu file found to replay"
                            : file.IsImage ? "a criu-image, not a CRIU dump: 'criu-image plan' says how it restores"
                            : CommandInput.Describe(file);
                        await std.Error.WriteLineAsync(Printable.Escape($"{path}: error: {what}"));
                    }

                    return ExitCodes.Unusable;
                }

                // A file CRIU cannot read is said in its own line and makes the status 2, as in verify and plan; the rows
                // still say where each CRIU line stops.
                bool damaged = await CommandErrors.ReportDamageAsync(plan.Dumps.SelectMany(d => d.Dump.Files), std.Error);
                bool any = false;
                bool json = parse.GetValue(command.Format) == "json";
                using var buffer = new MemoryStream();
                using (var writer = IO.JsonOutput.Create(buffer))
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("dumps");
                    foreach (PlannedDump dump in plan.Dumps)
                    {
                        IReadOnlyList<RestorabilityRow> rows = Restorability.Of(dump.Dump, host, dump.Complete, stated);
                        any |= rows.Any(r => r.Restores);
                        if (json)
                        {
                            RestorabilityReport.WriteJson(dump.Dump.Folder, rows, writer);
                        }
                        else
                        {
                            await std.Text.WriteAsync(RestorabilityReport.WriteText(dump.Dump.Folder, rows));
                        }
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                if (json)
                {
                    await std.Text.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n");
                }

                return ExitCodes.For(unreadable: damaged, findings: !any);
            });
        });
        return command;
    }
}
