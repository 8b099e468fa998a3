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
        int refused = plan.Calls.Count(c => c.Refused);
        int bos = plan.Calls.Count(c => c.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport);
        int mappings = plan.Calls.Count(c => c.Call == RestoreCall.GemVa);
        WriteHeadline(output, plan.Path, plan.Target, plan.Revision, bos, mappings, plan.Calls.Count, refused);
        AppendCalls(output, plan, "");
    }

    /// <summary>Writes a streamed plan as <see cref="WriteText(RestorePlan, TextWriter)"/> does, each call as it is made (none is held).</summary>
    public static void WriteText(StreamedRestorePlan plan, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);
        WriteHeadline(output, plan.Path, plan.Target, plan.Revision, plan.Bos, plan.Mappings, plan.Calls, plan.RefusedCalls);
        plan.ForEachCall(call => WriteCall(output, call, ""));
    }

    private static void WriteHeadline(TextWriter output, string path, KernelProfile target, AbiRevision revision, long bos, long mappings, long calls, long refused) =>
        output.Write($"{Printable.Escape(path)}: restore on {target.Name} of a {revision.ToId()} image: {Plural.Of(bos, "BO")}, {Plural.Of(mappings, "mapping")}, {Plural.Of(calls, "call")}, {refused} refused\n");

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
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);

        // Paths and messages come from the inputs: one line stays one line.
        using var text = new EscapedLineWriter(output);
        string host = plan.Host is { } h ? $" on {h.Path}{(h.KernelRelease is { } release ? $" (kernel {release})" : "")}" : $" ({plan.Words.For(Remedy.NoHost)}: no GPU map)";
        string target = plan.Target is { } t ? $", calls on {t.Name}" : ", calls on the kernel generation that wrote each render node";
        text.Write($"{plan.Folder}: restore along CRIU's amdgpu plugin{host}{target}: {(plan.Refused ? "refused" : "no call refused")}\n");
        foreach (KfdRestoreStep kfd in plan.Kfd)
        {
            if (kfd.Refusal is { } unreadable)
            {
                text.Write($"{kfd.Path}: /dev/kfd\n  REFUSED: {unreadable}\n");
                continue;
            }

            text.Write($"{kfd.Path}: /dev/kfd of pid {kfd.Pid}, {Plural.Of(kfd.Gpus, "GPU")}\n");
            text.Write($"  AMDKFD_IOC_GET_VERSION 0x{IoctlRequests.KfdGetVersion:x8}: CRIU needs KFD 1.8 or later (kernel_supports_criu)\n");
            if (kfd.Host is { } result)
            {
                foreach (string line in HostCheckReport.Text("checkpointed GPUs", plan.Host!.Path, result).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    text.Write($"  {line}\n");
                }
            }

            text.Write($"  AMDKFD_IOC_CRIU_OP 0x{IoctlRequests.KfdCriuOp:x8} {{{string.Join(", ", kfd.Arguments.Select(a => a.Name == "op" ? "op=RESTORE" : $"{a.Name}={a.Value}"))}}}{(kfd.Host is { Restores: false } ? "  NOT REACHED" : kfd.PrivateDataRefusal is { } refused ? $"  REFUSED {refused}" : "")}\n");
        }

        foreach (RenderNodeRestoreStep node in plan.RenderNodes)
        {
            string gpu = node.GpuId is { } id ? $"gpu {Topology.TopologyNode.GpuIdText(id)}" : "unreadable";
            string via = node.MapOf is { } owner ? $" (by the map of {owner}, if its process holds this render node)" : "";
            string device = node.Device is { } d ? $" -> target gpu {Topology.TopologyNode.GpuIdText(d.DestGpuId)}{via}: opens /dev/dri/renderD{d.DestRenderMinor}" : "";
            text.Write($"{node.Path}: render node of {gpu}{(node.Revision is { } r ? $" [{r}]" : "")}{device}\n");
            if (node.Refusal is { } refusal)
            {
                text.Write($"  REFUSED: {refusal}\n");
            }

            foreach (Diagnostic finding in node.Findings)
            {
                text.Write($"  {TextReport.Name(finding.Severity)} {finding.Descriptor.Id}: {finding.Message}\n");
            }

            if (node.NoCalls is { } why)
            {
                text.Write($"  no GEM calls: {why}\n");
            }

            if (node.Calls is { } calls)
            {
                text.Write($"  on {calls.Target.Name}: {Plural.Of(calls.Calls.Count, "call")}, {calls.RefusedCalls} refused\n");
                AppendCalls(text, calls, "  ");
            }
        }

        if (plan.Sequence is { } sequence)
        {
            RestoreSequenceReport.WriteText(sequence, text);
        }

        text.Flush();
    }

    private static void AppendCalls(TextWriter text, RestorePlan plan, string indent)
    {
        foreach (PlannedCall call in plan.Calls)
        {
            WriteCall(text, call, indent);
        }
    }

    private static void WriteCall(TextWriter text, PlannedCall call, string indent)
    {
        if (call.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport)
        {
            text.Write($"{indent}BO {call.GemHandle}{(call.Call == RestoreCall.PrimeImport ? " (imported)" : "")}\n");
        }

        string mapping = call.Mapping is { } m ? $" mapping {m}" : "";
        string arguments = call.Call == RestoreCall.PrimeImport
            ? "from the exporter's dma-buf"
            : "{" + string.Join(", ", call.Arguments.Select(Show)) + "}";
        text.Write($"{indent}  {call.Call.Name()} 0x{call.Request:x8}{mapping} {arguments}{(call.Refused ? "  REFUSED" : "")}\n");
        foreach (Diagnostic refusal in call.Refusals)
        {
            RestoreCheck check = refusal.Descriptor.Check!;
            text.Write($"{indent}    {check.Outcome} {refusal.Descriptor.Id}: {check.Kernel}: {refusal.Message}\n");
        }

        if (call.Repaired.Count > 0)
        {
            text.Write($"{indent}    repaired: {{{string.Join(", ", call.Repaired.Select(Show))}}}\n");
        }
    }

    /// <summary>
    /// The plan as JSON: <c>{"path", "abi", "target", "calls":[{"call", "request", "gem_handle", "mapping",
    /// "arguments":{...}, "repaired":{...}, "refusals":[{"code", "outcome", "kernel", "message"}]}]}</c>;
    /// <c>mapping</c>, <c>repaired</c> and <c>refusals</c> only where they apply.
    /// </summary>
    public static void WriteJson(RestorePlan plan, Stream output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        WriteJson(plan.Path, plan.Revision, plan.Target, output, json => WriteCalls(json, plan));
    }

    /// <summary>Writes a streamed plan as <see cref="WriteJson(RestorePlan, Stream)"/> does, each call as it is made (none is held).</summary>
    public static void WriteJson(StreamedRestorePlan plan, Stream output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        WriteJson(plan.Path, plan.Revision, plan.Target, output, json =>
        {
            json.WriteStartArray("calls");
            plan.ForEachCall(call => WriteCall(json, call));
            json.WriteEndArray();
        });
    }

    private static void WriteJson(string path, AbiRevision revision, KernelProfile target, Stream output, Action<Utf8JsonWriter> calls)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var json = JsonOutput.Create(output);
        json.WriteStartObject();
        json.WriteString("path", path);
        json.WriteString("abi", revision.ToId());
        json.WriteString("target", target.Name);
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
            WriteRenderNode(json, node);
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

    private static void WriteRenderNode(Utf8JsonWriter json, RenderNodeRestoreStep node)
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
            WriteCalls(json, calls);
        }

        json.WriteEndObject();
    }

    private static void WriteCalls(Utf8JsonWriter json, RestorePlan plan)
    {
        json.WriteStartArray("calls");
        foreach (PlannedCall call in plan.Calls)
        {
            WriteCall(json, call);
        }

        json.WriteEndArray();
    }

    private static void WriteCall(Utf8JsonWriter json, PlannedCall call)
    {
        json.WriteStartObject();
        json.WriteString("call", call.Call.Name());
        json.WriteString("request", $"0x{call.Request:x8}");
        json.WriteNumber("gem_handle", call.GemHandle);
        JsonOutput.WriteOptional(json, "mapping", call.Mapping);

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

    private static string Show(CallArgument argument) => argument.Name switch
    {
        "operation" => "operation=MAP",
        "new_handle" or "handle" => $"{argument.Name}={argument.Value}",
        _ => $"{argument.Name}=0x{argument.Value:x}",
    };
}
