using System.Text;
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
    /// <summary>The plan as text.</summary>
    public static string WriteText(RestorePlan plan)
    {
        var text = new StringBuilder();
        int refused = plan.Calls.Count(c => c.Refused);
        int bos = plan.Calls.Count(c => c.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport);
        int mappings = plan.Calls.Count(c => c.Call == RestoreCall.GemVa);
        text.Append($"{plan.Path}: restore on {plan.Target.Name} of a {plan.Revision.ToId()} image: {bos} BOs, {mappings} mappings, {plan.Calls.Count} calls, {refused} refused\n");
        AppendCalls(text, plan, "");
        return text.ToString();
    }

    /// <summary>
    /// The plan of a CRIU dump as text: a first line naming the dump, the host and the kernel; per KFD image
    /// the version check, the GPU map with its reasons (as <c>host-check</c> prints them) and the RESTORE call;
    /// per render-node file the target render node it opens, then its calls as <see cref="WriteText(RestorePlan)"/> lists them.
    /// Every line is escaped (<see cref="Printable"/>).
    /// </summary>
    public static string WriteText(DumpRestorePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var text = new StringBuilder();
        string host = plan.Host is { } h ? $" on {h.Path}{(h.KernelRelease is { } release ? $" (kernel {release})" : "")}" : " (no --host: no GPU map)";
        string target = plan.Target is { } t ? $", calls on {t.Name}" : ", calls on the kernel generation that wrote each render node";
        text.Append($"{plan.Folder}: restore along CRIU's amdgpu plugin{host}{target}: {(plan.Refused ? "refused" : "no call refused")}\n");
        foreach (KfdRestoreStep kfd in plan.Kfd)
        {
            if (kfd.Refusal is { } unreadable)
            {
                text.Append($"{kfd.Path}: /dev/kfd\n  REFUSED: {unreadable}\n");
                continue;
            }

            text.Append($"{kfd.Path}: /dev/kfd of pid {kfd.Pid}, {kfd.Gpus} GPUs\n");
            text.Append($"  AMDKFD_IOC_GET_VERSION 0x{IoctlRequests.KfdGetVersion:x8}: CRIU needs KFD 1.8 or later (kernel_supports_criu)\n");
            if (kfd.Host is { } result)
            {
                foreach (string line in HostCheckReport.Text("checkpointed GPUs", plan.Host!.Path, result).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    text.Append("  ").Append(line).Append('\n');
                }
            }

            text.Append($"  AMDKFD_IOC_CRIU_OP 0x{IoctlRequests.KfdCriuOp:x8} {{{string.Join(", ", kfd.Arguments.Select(a => a.Name == "op" ? "op=RESTORE" : $"{a.Name}={a.Value}"))}}}{(kfd.Host is { Restores: false } ? "  NOT REACHED" : "")}\n");
        }

        foreach (RenderNodeRestoreStep node in plan.RenderNodes)
        {
            string gpu = node.GpuId is { } id ? $"gpu {Topology.TopologyNode.GpuIdText(id)}" : "unreadable";
            string via = node.MapOf is { } owner ? $" (by the map of {owner}, if its process holds this render node)" : "";
            string device = node.Device is { } d ? $" -> target gpu {Topology.TopologyNode.GpuIdText(d.DestGpuId)}{via}: opens /dev/dri/renderD{d.DestRenderMinor}" : "";
            text.Append($"{node.Path}: render node of {gpu}{(node.Revision is { } r ? $" [{r}]" : "")}{device}\n");
            if (node.Refusal is { } refusal)
            {
                text.Append($"  REFUSED: {refusal}\n");
            }

            foreach (Diagnostic finding in node.Findings)
            {
                text.Append($"  {TextReport.Name(finding.Severity)} {finding.Descriptor.Id}: {finding.Message}\n");
            }

            if (node.NoCalls is { } why)
            {
                text.Append($"  no GEM calls: {why}\n");
            }

            if (node.Calls is { } calls)
            {
                text.Append($"  on {calls.Target.Name}: {calls.Calls.Count} calls, {calls.Calls.Count(c => c.Refused)} refused\n");
                AppendCalls(text, calls, "  ");
            }
        }

        if (plan.Sequence is { } sequence)
        {
            RestoreSequenceReport.WriteText(sequence, text);
        }

        // Paths and messages come from the inputs: one line stays one line.
        return string.Join('\n', text.ToString().Split('\n').Select(Printable.Escape));
    }

    private static void AppendCalls(StringBuilder text, RestorePlan plan, string indent)
    {
        foreach (PlannedCall call in plan.Calls)
        {
            if (call.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport)
            {
                text.Append($"{indent}BO {call.GemHandle}{(call.Call == RestoreCall.PrimeImport ? " (imported)" : "")}\n");
            }

            string mapping = call.Mapping is { } m ? $" mapping {m}" : "";
            string arguments = call.Call == RestoreCall.PrimeImport
                ? "from the exporter's dma-buf"
                : "{" + string.Join(", ", call.Arguments.Select(Show)) + "}";
            text.Append($"{indent}  {call.Call.Name()} 0x{call.Request:x8}{mapping} {arguments}{(call.Refused ? "  REFUSED" : "")}\n");
            foreach (Diagnostic refusal in call.Refusals)
            {
                RestoreCheck check = refusal.Descriptor.Check!;
                text.Append($"{indent}    {check.Outcome} {refusal.Descriptor.Id}: {check.Kernel}: {refusal.Message}\n");
            }

            if (call.Repaired.Count > 0)
            {
                text.Append($"{indent}    repaired: {{{string.Join(", ", call.Repaired.Select(Show))}}}\n");
            }
        }
    }

    /// <summary>
    /// The plan as JSON: <c>{"path", "abi", "target", "calls":[{"call", "request", "gem_handle", "mapping",
    /// "arguments":{...}, "repaired":{...}, "refusals":[{"code", "outcome", "kernel", "message"}]}]}</c>;
    /// <c>mapping</c>, <c>repaired</c> and <c>refusals</c> only where they apply.
    /// </summary>
    public static void WriteJson(RestorePlan plan, Stream output)
    {
        using var json = JsonOutput.Create(output);
        json.WriteStartObject();
        json.WriteString("path", plan.Path);
        json.WriteString("abi", plan.Revision.ToId());
        json.WriteString("target", plan.Target.Name);
        WriteCalls(json, plan);
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>
    /// The plan of a CRIU dump as JSON: <c>{"folder", "host", "kernel_release", "target", "refused",
    /// "kfd": [{"path", "refusal", "pid", "gpus", "get_version_request", "request", "arguments": {...}, "host": {host-check's
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
            if (host.KernelRelease is { } release)
            {
                json.WriteString("kernel_release", release);
            }
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
        if (node.GpuId is { } gpuId)
        {
            json.WriteNumber("gpu_id", gpuId);
        }

        if (node.Revision is { } revision)
        {
            json.WriteString("revision", revision);
        }

        if (node.Device is { } device)
        {
            json.WriteNumber("dest_gpu_id", device.DestGpuId);
            json.WriteNumber("dest_render_minor", device.DestRenderMinor);
        }

        if (node.MapOf is { } owner)
        {
            json.WriteString("map_of", owner);
        }

        if (node.Refusal is { } refusal)
        {
            json.WriteString("refusal", refusal);
        }

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

        if (node.NoCalls is { } why)
        {
            json.WriteString("no_calls", why);
        }

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
            json.WriteStartObject();
            json.WriteString("call", call.Call.Name());
            json.WriteString("request", $"0x{call.Request:x8}");
            json.WriteNumber("gem_handle", call.GemHandle);
            if (call.Mapping is { } mapping)
            {
                json.WriteNumber("mapping", mapping);
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
        }

        json.WriteEndArray();
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
