using System.CommandLine;
using System.Text.Json;
using CriuImage.Criu;
using CriuImage.Format;
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
        var input = new Argument<string>("INPUT") { Description = "The image, CRIU amdgpu file, dump folder or container archive to plan the restore of (- reads any of them but a folder from standard input)." };
        Option<string?> target = TargetOption();
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var hostOptions = new RestoreHostOptions();
        var replayOptions = new ReplayCliOptions();
        var command = new Command("plan", "Show the calls CRIU's restore makes (AMDKFD_IOC_CRIU_OP; GEM_CREATE, CHANGE_HANDLE, GEM_MMAP, GEM_VA per render-node BO), the ones the target kernel refuses, the repairs a restorer can make and, with --host, the GPU map CRIU builds on that host. Exit status: 0 nothing refused, 1 a refusal, 2 an input could not be read.") { input, target, format };
        hostOptions.AddTo(command);
        replayOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(input)!;
            return CommandErrors.RunAsync(path, error, async () =>
            {
                (bool usable, KernelProfile? profile, Topology.HostTarget? host) = await hostOptions.ResolveAsync(parse, Profile(parse.GetValue(target)), error);
                if (!usable)
                {
                    return ExitCodes.Unusable;
                }

                (bool replayUsable, ReplayOptions replay, profile) = await replayOptions.ResolveAsync(parse, profile, host, error);
                if (!replayUsable)
                {
                    return ExitCodes.Unusable;
                }

                bool json = parse.GetValue(format) == "json";
                // Standard input is read whole: a criu-image is planned as one; a CRIU file or archive as a dump.
                byte[]? piped = path == "-" ? await std.ReadAllBytesAsync(path, cancellationToken) : null;
                bool pipedImage = piped is not null && piped.AsSpan().StartsWith(Format.Preamble.Magic);
                if (!pipedImage && DumpInputs.Collect([path], new InputOptions(), () => piped is null ? Stream.Null : new MemoryStream(piped, writable: false)) is var inputs
                    && (piped is not null || Directory.Exists(path) || inputs.Files.Count > 1 || inputs.Files is [{ IsImage: false }] || inputs.Files.Count == 0))
                {
                    return await PlanDumpsAsync(path, inputs, host, profile, replay, json, std);
                }

                profile ??= host?.Profile;
                RestorePlan plan = piped is not null
                    ? RestorePlan.Create(piped, "<stdin>", profile)
                    : RestorePlan.Create(path, path, profile);
                if (json)
                {
                    using var buffer = new MemoryStream();
                    PlanReport.WriteJson(plan, buffer);
                    await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                }
                else
                {
                    await output.WriteAsync(PlanReport.WriteText(plan));
                }

                return plan.Calls.Any(c => c.Refused) ? ExitCodes.Findings : ExitCodes.Success;
            });
        });
        return command;
    }

    /// <summary><c>--target KERNEL</c>, shared with verify: one of <see cref="KernelProfile.All"/>; absent means the generation that produced the image's revision.</summary>
    public static Option<string?> TargetOption()
    {
        var target = new Option<string?>("--target") { Description = "Kernel the image is restored on: " + string.Join(", ", KernelProfile.All.Select(p => p.Name)) + " (default: the one that produced the image's revision)." };
        target.AcceptOnlyFromAmong([.. KernelProfile.All.Select(p => p.Name)]);
        return target;
    }

    /// <summary>The profile named on the command line, or null for each image's default.</summary>
    public static KernelProfile? Profile(string? name) => name is not null && KernelProfile.TryParse(name, out KernelProfile profile) ? profile : null;

    /// <summary>
    /// A dump folder, container archive or CRIU file: one <see cref="DumpRestorePlan"/> per dump (JSON:
    /// <c>{"dumps": [...]}</c>); criu-images found beside them are named (each plans on its own); exit 2 when
    /// nothing is a dump or an input cannot be read, else 1 when a step is refused.
    /// </summary>
    private static async Task<int> PlanDumpsAsync(string path, InputSet inputs, Topology.HostTarget? host, KernelProfile? target, ReplayOptions replay, bool json, StandardStreams std)
    {
        foreach (UnreadableInput unreadable in inputs.Unreadable)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"{unreadable.Path}: error: {unreadable.Reason}"));
        }

        InputPlan inputPlan = InputPlan.Of(inputs);
        if (path == "-" && inputPlan.Dumps.Count == 0)
        {
            await std.Error.WriteLineAsync("-: error: standard input holds neither a criu-image, a CRIU amdgpu file nor a container archive");
            return ExitCodes.Unusable;
        }

        foreach (int image in inputPlan.Images)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"{inputs.Files[image].Path}: a criu-image: 'criu-image plan' of the file itself plans it"));
        }

        if (inputPlan.Dumps.Count == 0)
        {
            // An input that could not be read has said so in its own line.
            if (inputs.Unreadable.Count == 0)
            {
                await std.Error.WriteLineAsync(Printable.Escape($"{path}: error: no CRIU amdgpu file found to plan"));
            }

            return ExitCodes.Unusable;
        }

        DumpRestorePlan[] plans = [.. inputPlan.Dumps.Select(d => DumpRestorePlan.Create(d.Dump, replay, host, target, d.Complete))];
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("dumps");
                foreach (DumpRestorePlan plan in plans)
                {
                    PlanReport.WriteJson(plan, writer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            await std.Text.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n");
        }
        else
        {
            foreach (DumpRestorePlan plan in plans)
            {
                await std.Text.WriteAsync(PlanReport.WriteText(plan));
            }
        }

        return inputs.Unreadable.Count > 0 ? ExitCodes.Unusable : plans.Any(p => p.Refused) ? ExitCodes.Findings : ExitCodes.Success;
    }
}
