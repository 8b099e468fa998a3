using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Kernel;
using CriuImage.Restore;

namespace CriuImage.Reporting;

/// <summary>
/// <c>criu-image plan</c>'s output: one line per call (request number, arguments as saved), then per refused
/// call the errno, the code and the kernel check, and the repaired arguments where a restorer can fix them.
/// </summary>
public static class PlanReport
{
    /// <summary>Bytes a JSON writer holds before they go to its stream.</summary>
    private const int FlushAt = 1 << 16;

    /// <summary>The plan as text.</summary>
    public static string WriteText(RestorePlan plan)
    {
        using var text = new StringWriter();
        WriteText(plan, text);
        return text.ToString();
    }

    /// <summary>Writes the plan as text to <paramref name="output"/> as it goes, one call after another (no copy of the whole report is made).</summary>
    public static void WriteText(RestorePlan plan, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);
        using var lines = new Utf8LineWriter(output);
        int refused = plan.Calls.Count(c => c.Refused);
        int bos = plan.Calls.Count(c => c.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport);
        int mappings = plan.Calls.Count(c => c.Call == RestoreCall.GemVa);
        WriteHeadline(lines, plan.Path, plan.Target, plan.Revision, bos, mappings, plan.Calls.Count, refused, plan.Stop);
        AppendCalls(lines, plan, ""u8, plan.Stop);
        lines.Flush();
    }

    /// <summary>Writes a streamed plan as <see cref="WriteText(RestorePlan, TextWriter)"/> does, each call as it is made (none is held).</summary>
    public static void WriteText(StreamedRestorePlan plan, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var lines = new Utf8LineWriter(output);
        WriteText(plan, lines);
    }

    /// <summary>Writes a streamed plan as UTF-8 lines, as <see cref="WriteText(StreamedRestorePlan, TextWriter)"/> does.</summary>
    internal static void WriteText(StreamedRestorePlan plan, Utf8LineWriter lines)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(lines);
        WriteHeadline(lines, plan.Path, plan.Target, plan.Revision, plan.Bos, plan.Mappings, plan.Calls, plan.RefusedCalls, plan.Stop);
        long index = 0;
        plan.ForEachCall(call => WriteCall(lines, call, ""u8, index++, plan.Stop));
        lines.Flush();
    }

    private static void WriteHeadline(Utf8LineWriter lines, string path, KernelProfile target, AbiRevision revision, long bos, long mappings, long calls, long refused, long? stop) =>
        lines.Text(path).Line($": restore on {target.Named} of a {revision.ToId()} image: {Plural.Of(bos, "BO")}, {Plural.Of(mappings, "mapping")}, {CallCount(calls, refused, stop)}");

    /// <summary>
    /// How many calls, and how many are refused; with a call that stops the restore, where it stops and how many
    /// calls after it are never made (their own refusals are not counted: CRIU does not reach them).
    /// </summary>
    private static string CallCount(long calls, long refused, long? stop) => stop is { } at
        ? $"{Plural.Of(calls, "call")}, refused at call {at + 1}, where the restore stops: {calls - at - 1} after it not reached"
        : $"{Plural.Of(calls, "call")}, {refused} refused";

    /// <summary>
    /// The plan of a CRIU dump as text: a first line naming the dump, the host and the kernel; per KFD image
    /// the version check, the GPU map with its reasons (as <c>host-check</c> prints them) and the RESTORE call;
    /// per render-node file the target render node it opens, then its calls as <see cref="WriteText(RestorePlan)"/> lists them.
    /// Every line is escaped (<see cref="Printable"/>).
    /// </summary>
    public static string WriteText(DumpRestorePlan plan)
    {
        using var text = new StringWriter();
        WriteText(plan, text);
        return text.ToString();
    }

    /// <summary>Writes <see cref="WriteText(DumpRestorePlan)"/>'s text to <paramref name="output"/> line by line as it goes.</summary>
    public static void WriteText(DumpRestorePlan plan, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var lines = new Utf8LineWriter(output);
        WriteText(plan, lines);
    }

    /// <summary>Writes <see cref="WriteText(DumpRestorePlan)"/>'s text as UTF-8 lines, a block at a time.</summary>
    internal static void WriteText(DumpRestorePlan plan, Utf8LineWriter text)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(text);

        // Paths and messages come from the inputs: each line is escaped, one line stays one line.
        string host = plan.Host is { } h ? $" on {h.Path}{(h.KernelRelease is { } release ? $" (kernel {release})" : "")}" : $" ({plan.Words.For(Remedy.NoHost)}: no GPU map)";
        string target = plan.Target is { } t ? $", calls on {t.Named}" : ", calls on the kernel generation that wrote each render node";
        text.Line($"{plan.Folder}: restore along CRIU's amdgpu plugin{host}{target}: {(plan.Refused ? "refused" : "no call refused")}{Ending(plan)}");
        foreach (KfdRestoreStep kfd in plan.Kfd)
        {
            if (kfd.Refusal is { } unreadable)
            {
                text.Line($"{kfd.Path}: /dev/kfd").Line($"  REFUSED: {unreadable}");
                continue;
            }

            text.Line($"{kfd.Path}: /dev/kfd of pid {kfd.Pid}, {Plural.Of(kfd.Gpus, "GPU")}");
            text.Line($"  AMDKFD_IOC_GET_VERSION 0x{IoctlRequests.KfdGetVersion:x8}: CRIU needs KFD 1.8 or later (kernel_supports_criu)");
            if (kfd.Host is { } result)
            {
                foreach (string line in HostCheckReport.Text("checkpointed GPUs", plan.Host!.Path, result).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    text.Line($"  {line}");
                }
            }

            text.Line($"  AMDKFD_IOC_CRIU_OP 0x{IoctlRequests.KfdCriuOp:x8} {{{string.Join(", ", kfd.Arguments.Select(a => a.Name == "op" ? "op=RESTORE" : $"{a.Name}={a.Value}"))}}}{(kfd.Host is { Restores: false } ? "  NOT REACHED" : kfd.PrivateDataRefusal is { } refused ? $"  {(kfd.PrivateData!.Oops ? "NEVER RETURNS:" : "REFUSED")} {refused}" : "")}");
        }

        foreach (RenderNodeRestoreStep node in plan.RenderNodes)
        {
            string gpu = node.GpuId is { } id ? $"gpu {Topology.TopologyNode.GpuIdText(id)}" : "unreadable";
            string via = node.MapOf is { } owner ? $" (by the map of {owner}, if its process holds this render node)" : "";
            string device = node.Device is { } d ? $" -> target gpu {Topology.TopologyNode.GpuIdText(d.DestGpuId)}{via}: opens /dev/dri/renderD{d.DestRenderMinor}" : "";
            text.Line($"{node.Path}: render node of {gpu}{(node.Revision is { } r ? $" [{r}]" : "")}{device}");
            if (node.Refusal is { } refusal)
            {
                text.Line($"  REFUSED: {refusal}");
            }

            foreach (Diagnostic finding in node.Findings)
            {
                text.Line($"  {TextReport.Name(finding.Severity)} {finding.Descriptor.Id}: {finding.Message}");
            }

            if (node.NoCalls is { } why)
            {
                text.Line($"  no GEM calls: {why}");
            }

            if (node.Calls is { } calls)
            {
                (Func<PlannedCall, bool>? made, string? notMade) = Made(plan, node.File);
                string count = Reached(plan, node.File)
                    ? CallCount(calls.Calls.Count, calls.RefusedCalls, calls.Stop) + (notMade is null ? "" : $"; the calls of {notMade}")
                    : $"{Plural.Of(calls.Calls.Count, "call")}, none {NotReached(plan, node.File)}{(calls.Stop is { } at ? $"; made alone it would stop at call {at + 1}" : "")}";
                text.Line($"  on {calls.Target.Named}: {count}");
                AppendCalls(text, calls, "  "u8, calls.Stop, made);
            }
        }

        if (plan.Sequence is { } sequence)
        {
            RestoreSequenceReport.WriteText(sequence, text);
        }

        text.Flush();
    }

    /// <summary>
    /// Which calls of the render node <paramref name="file"/> (its own name) CRIU makes, where the replayed restore says: those of the
    /// BOs it began (the others wait for an exporter it never restored, or come after where it ended), and what the
    /// headline adds about the others; (null, null) when every BO was begun or the replay does not say.
    /// </summary>
    private static (Func<PlannedCall, bool>? Made, string? Note) Made(DumpRestorePlan plan, string file)
    {
        if (plan.Sequence is not { BosMade: { } made, BosNotMade: { } notMade } || notMade.GetValueOrDefault(file) == 0)
        {
            return (null, null);
        }

        return (call => made.Contains((file, call.GemHandle)), $"{Plural.Of(notMade[file], "BO")} not {NotReached(plan)}");
    }

    /// <summary>False when CRIU's restore began none of the render node's BOs: its own first refusal is then not where the restore stops.</summary>
    private static bool Reached(DumpRestorePlan plan, string file) =>
        plan.Sequence?.RenderNodesNotReached?.Contains(file) != true;

    /// <summary>
    /// Why calls of the replayed restore are not made: it ends first (at <paramref name="file"/> itself, before its
    /// first call, or at an earlier file), or (a dump not given whole) they wait for an export no file given makes.
    /// </summary>
    private static string NotReached(DumpRestorePlan plan, string? file = null)
    {
        RestoreEnding end = plan.Sequence!.End;
        if (end.How == RestoreEndKind.Unknown)
        {
            return "reached by the files given: each waits for an export none of them makes (the dump is not given whole)";
        }

        if (file is not null && end.File == file)
        {
            return $"reached: CRIU's restore {HowWithCode(end)} at this file, before its first call";
        }

        return $"reached: CRIU's restore ends first ({(end.File is { } at ? $"{end.How.Name()} in {at}" : end.How.Name())})";
    }

    /// <summary>
    /// The headline's word on how CRIU's replayed restore ends when it does not restore: "no call refused" alone
    /// would read as a restore that works where CRIU itself fails, crashes or never ends.
    /// </summary>
    private static string Ending(DumpRestorePlan plan) =>
        plan.Sequence?.End is { How: not (RestoreEndKind.Restored or RestoreEndKind.Unknown) } end
            ? $"; CRIU's restore {HowWithCode(end)}{(end.File is { } file ? $" in {file}" : "")}"
            : "";

    /// <summary>How the restore ends and, where one says it, the code: <c>fails (CRI333)</c>.</summary>
    private static string HowWithCode(RestoreEnding end) => end.Code is { } code ? $"{end.How.Name()} ({code.Id})" : end.How.Name();

    private static void AppendCalls(Utf8LineWriter text, RestorePlan plan, ReadOnlySpan<byte> indent, long? stop, Func<PlannedCall, bool>? made = null)
    {
        long index = 0;
        foreach (PlannedCall call in plan.Calls)
        {
            WriteCall(text, call, indent, index++, stop, made);
        }
    }

    /// <summary>
    /// One call's lines (<c>BO 3</c> before a BO's first call, the call with its arguments, its refusals, the repaired
    /// arguments); past <paramref name="stop"/> it is marked not reached, and what the kernel would do with it is said
    /// as if it were made alone (a mapping refused earlier never entered the VM's tree, for instance).
    /// </summary>
    private static void WriteCall(Utf8LineWriter text, PlannedCall call, ReadOnlySpan<byte> indent, long index, long? stop, Func<PlannedCall, bool>? made = null)
    {
        bool reached = (stop is not { } at || index <= at) && (made?.Invoke(call) ?? true);
        bool imported = call.Call == RestoreCall.PrimeImport;
        if (call.Call == RestoreCall.GemCreate || imported)
        {
            text.Ascii(indent).Ascii("BO "u8).Decimal(call.GemHandle);
            if (imported)
            {
                text.Ascii(" (imported)"u8);
            }

            text.EndLine();
        }

        text.Ascii(indent).Ascii("  "u8).Text(call.Call.Name()).Ascii(" 0x"u8).Hex8(call.Request);
        if (call.Mapping is { } mapping)
        {
            text.Ascii(" mapping "u8).Decimal(mapping);
        }

        if (imported)
        {
            text.Ascii(" from the exporter's dma-buf"u8);
        }
        else
        {
            WriteArguments(text.Ascii(" "u8), call.Arguments);
        }

        if (!reached)
        {
            text.Ascii("  NOT REACHED"u8);
        }
        else if (call.Refused)
        {
            text.Ascii("  REFUSED"u8);
        }

        text.EndLine();
        foreach (Diagnostic refusal in call.Refusals)
        {
            RestoreCheck check = refusal.Descriptor.Check!;
            text.Ascii(indent).Ascii("    "u8);
            if (!reached)
            {
                text.Ascii("not reached; made alone: "u8);
            }

            text.Text(check.Outcome).Ascii(" "u8).Text(refusal.Descriptor.Id).Ascii(": "u8).Text(check.Kernel).Ascii(": "u8).Text(refusal.Message).EndLine();
        }

        if (index == stop && reached)
        {
            text.Ascii(indent).Ascii("    the restore stops here: CRIU returns the error, and makes no later call"u8).EndLine();
        }

        if (call.Repaired.Count > 0)
        {
            WriteArguments(text.Ascii(indent).Ascii("    repaired: "u8), call.Repaired);
            text.EndLine();
        }
    }

    /// <summary><c>{name=value, ...}</c>: handles in decimal, the GEM_VA operation by name, every other value in hexadecimal.</summary>
    private static void WriteArguments(Utf8LineWriter text, IReadOnlyList<CallArgument> arguments)
    {
        text.Ascii("{"u8);
        for (int i = 0; i < arguments.Count; i++)
        {
            CallArgument argument = arguments[i];
            if (i > 0)
            {
                text.Ascii(", "u8);
            }

            text.Text(argument.Name);
            _ = argument.Name switch
            {
                "operation" => text.Ascii("=MAP"u8),
                "new_handle" or "handle" => text.Ascii("="u8).Decimal(argument.Value),
                _ => text.Ascii("=0x"u8).Hex(argument.Value),
            };
        }

        text.Ascii("}"u8);
    }

    /// <summary>
    /// The plan as JSON: <c>{"path", "abi", "target", "calls":[{"call", "request", "gem_handle", "mapping",
    /// "arguments":{...}, "repaired":{...}, "refusals":[{"code", "outcome", "kernel", "message"}]}]}</c>;
    /// <c>mapping</c>, <c>repaired</c> and <c>refusals</c> only where they apply.
    /// </summary>
    public static void WriteJson(RestorePlan plan, Stream output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        WriteJson(plan.Path, plan.Revision, plan.Target, plan.Stop, output, json => WriteCalls(json, plan, plan.Stop));
    }

    /// <summary>Writes a streamed plan as <see cref="WriteJson(RestorePlan, Stream)"/> does, each call as it is made (none is held).</summary>
    public static void WriteJson(StreamedRestorePlan plan, Stream output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        WriteJson(plan.Path, plan.Revision, plan.Target, plan.Stop, output, json =>
        {
            json.WriteStartArray("calls");
            long index = 0;
            plan.ForEachCall(call => WriteCall(json, call, plan.Stop is not { } at || index++ <= at));
            json.WriteEndArray();
        });
    }

    private static void WriteJson(string path, AbiRevision revision, KernelProfile target, long? stop, Stream output, Action<Utf8JsonWriter> calls)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var json = JsonOutput.Create(output);
        json.WriteStartObject();
        json.WriteString("path", path);
        json.WriteString("abi", revision.ToId());
        json.WriteString("target", target.Name);
        JsonOutput.WriteOptional(json, "stops_at", stop);
        calls(json);
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>
    /// The plan of a CRIU dump as JSON: <c>{"folder", "host", "kernel_release", "target", "refused",
    /// "kfd": [{"path", "refusal", "pid", "gpus", "get_version_request", "request", "arguments": {...}, "private_data_refusal", "host": {host-check's
    /// report: verdict, gpu_map, findings}}], "render_nodes": [{"path", "gpu_id", "revision", "dest_gpu_id",
    /// "dest_render_minor", "map_of", "refusal", "findings": [{"code", "severity", "message"}], "no_calls", "target",
    /// "calls": [...]}], "restore": {the calls CRIU makes and how the restore ends: docs/restore-calls.md}}</c>, each field only where it applies.
    /// </summary>
    public static void WriteJson(DumpRestorePlan plan, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("folder", plan.Folder);
        if (plan.Host is { } host)
        {
            json.WriteString("host", host.Path);
            JsonOutput.WriteOptional(json, "kernel_release", host.KernelRelease);
        }

        if (plan.Target is { } target)
        {
            json.WriteString("target", target.Name);
        }

        json.WriteBoolean("refused", plan.Refused);
        json.WriteStartArray("kfd");
        foreach (KfdRestoreStep kfd in plan.Kfd)
        {
            WriteKfd(json, kfd, plan.Host?.Path);
        }

        json.WriteEndArray();
        json.WriteStartArray("render_nodes");
        foreach (RenderNodeRestoreStep node in plan.RenderNodes)
        {
            WriteRenderNode(json, node, plan);
        }

        json.WriteEndArray();
        if (plan.Sequence is { } sequence)
        {
            RestoreSequenceReport.WriteJson(sequence, json);
        }

        json.WriteEndObject();
    }

    private static void WriteKfd(Utf8JsonWriter json, KfdRestoreStep kfd, string? host)
    {
        json.WriteStartObject();
        json.WriteString("path", kfd.Path);
        if (kfd.Refusal is { } unreadable)
        {
            json.WriteString("refusal", unreadable);
            json.WriteEndObject();
            return;
        }

        json.WriteNumber("pid", kfd.Pid!.Value);
        json.WriteNumber("gpus", kfd.Gpus);
        json.WriteString("get_version_request", $"0x{IoctlRequests.KfdGetVersion:x8}");
        json.WriteString("request", $"0x{IoctlRequests.KfdCriuOp:x8}");
        WriteArguments(json, "arguments", kfd.Arguments);
        JsonOutput.WriteOptional(json, "private_data_refusal", kfd.PrivateDataRefusal);
        if (kfd.Host is { } result)
        {
            json.WritePropertyName("host");
            HostCheckReport.Json(json, kfd.Path, host!, result);
        }

        json.WriteEndObject();
    }

    private static void WriteRenderNode(Utf8JsonWriter json, RenderNodeRestoreStep node, DumpRestorePlan plan)
    {
        json.WriteStartObject();
        json.WriteString("path", node.Path);
        JsonOutput.WriteOptional(json, "gpu_id", node.GpuId);
        JsonOutput.WriteOptional(json, "revision", node.Revision);

        if (node.Device is { } device)
        {
            json.WriteNumber("dest_gpu_id", device.DestGpuId);
            json.WriteNumber("dest_render_minor", device.DestRenderMinor);
        }

        JsonOutput.WriteOptional(json, "map_of", node.MapOf);
        JsonOutput.WriteOptional(json, "refusal", node.Refusal);

        if (node.Findings.Count > 0)
        {
            json.WriteStartArray("findings");
            foreach (Diagnostic finding in node.Findings)
            {
                json.WriteStartObject();
                json.WriteString("code", finding.Descriptor.Id);
                json.WriteString("severity", TextReport.Name(finding.Severity));
                json.WriteString("message", finding.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        JsonOutput.WriteOptional(json, "no_calls", node.NoCalls);

        if (node.Calls is { } calls)
        {
            json.WriteString("target", calls.Target.Name);
            if (!Reached(plan, node.File))
            {
                // None of its calls is made: stops_at is where its restore would stop made alone.
                json.WriteBoolean("reached", false);
            }

            JsonOutput.WriteOptional(json, "stops_at", calls.Stop);
            WriteCalls(json, calls, calls.Stop, Made(plan, node.File).Made);
        }

        json.WriteEndObject();
    }

    private static void WriteCalls(Utf8JsonWriter json, RestorePlan plan, long? stop, Func<PlannedCall, bool>? made = null)
    {
        json.WriteStartArray("calls");
        long index = 0;
        foreach (PlannedCall call in plan.Calls)
        {
            WriteCall(json, call, (stop is not { } at || index++ <= at) && (made?.Invoke(call) ?? true));
        }

        json.WriteEndArray();
    }

    /// <summary>One call; <c>"reached": false</c> past the call that stops the restore (its refusals then say what the kernel would do with it made alone).</summary>
    private static void WriteCall(Utf8JsonWriter json, PlannedCall call, bool reached)
    {
        json.WriteStartObject();
        json.WriteString("call", call.Call.Name());
        json.WriteString("request", $"0x{call.Request:x8}");
        json.WriteNumber("gem_handle", call.GemHandle);
        JsonOutput.WriteOptional(json, "mapping", call.Mapping);
        if (!reached)
        {
            json.WriteBoolean("reached", false);
        }

        WriteArguments(json, "arguments", call.Arguments);
        if (call.Repaired.Count > 0)
        {
            WriteArguments(json, "repaired", call.Repaired);
        }

        if (call.Refused)
        {
            json.WriteStartArray("refusals");
            foreach (Diagnostic refusal in call.Refusals)
            {
                RestoreCheck check = refusal.Descriptor.Check!;
                json.WriteStartObject();
                json.WriteString("code", refusal.Descriptor.Id);
                json.WriteString("outcome", check.Outcome);
                json.WriteString("kernel", check.Kernel);
                json.WriteString("message", refusal.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();

        // A writer over a stream holds what it writes until flushed: a plan of millions of calls goes out as it is written.
        if (json.BytesPending > FlushAt)
        {
            json.Flush();
        }
    }

    private static void WriteArguments(Utf8JsonWriter json, string name, IReadOnlyList<CallArgument> arguments)
    {
        json.WriteStartObject(name);
        foreach (CallArgument argument in arguments)
        {
            json.WriteNumber(argument.Name, argument.Value);
        }

        json.WriteEndObject();
    }
}
