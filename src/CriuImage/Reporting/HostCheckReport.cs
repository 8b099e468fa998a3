using System.Globalization;
using System.Text;
using System.Text.Json;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Topology;

namespace CriuImage.Reporting;

/// <summary>The text and JSON forms of a <see cref="HostCheckResult"/>.</summary>
internal static class HostCheckReport
{
    /// <summary>The outcome's stable name in reports.</summary>
    public static string OutcomeName(CriuOutcome outcome) => outcome switch
    {
        CriuOutcome.Mapped => "mapped",
        CriuOutcome.DeviceCountMismatch => "device-count-mismatch",
        CriuOutcome.HiveCountMismatch => "hive-count-mismatch",
        CriuOutcome.HivesNotMatched => "hives-not-matched",
        CriuOutcome.RemainingNotMatched => "remaining-not-matched",
        CriuOutcome.NeverEnds => "never-ends",
        CriuOutcome.Crashes => "crashes",
        CriuOutcome.TargetUnparsable => "target-unparsable",
        _ => "undecided",
    };

    /// <summary>
    /// Text: a first line <c>SOURCE -&gt; TARGET: restores|does not restore (outcome)</c>, the GPU map, then one
    /// line per finding <c>severity CODE: message</c>; names and messages are <see cref="Printable.Escape"/>d,
    /// so a path holding a newline stays on its line.
    /// </summary>
    public static string Text(string source, string target, HostCheckResult result)
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        string verdict = result.Restores ? "restores" : "does not restore";
        string after = !result.Restores && result.Outcome == CriuOutcome.Mapped ? ", then the restore fails" : "";
        string said = result.CriuMessages.Count > 0 ? $"; CRIU prints '{result.CriuMessages[^1]}'" : "";
        text.AppendLine(c, $"{Printable.Escape(source)} -> {Printable.Escape(target)}: {verdict} ({OutcomeName(result.Outcome)}{after}{said})");
        if (result.SwitchesOff.Count > 0)
        {
            text.AppendLine(c, $"  checks off: {string.Join(", ", result.SwitchesOff.Select(s => s + "=0"))}");
        }

        foreach (GpuMapEntry e in result.GpuMap)
        {
            text.AppendLine(c, $"  gpu {TopologyNode.GpuIdText(e.SrcGpuId)} (renderD{e.SrcRenderMinor}) -> {TopologyNode.GpuIdText(e.DestGpuId)} (renderD{e.DestRenderMinor})");
        }

        foreach (HostFinding f in result.Findings)
        {
            text.AppendLine(c, $"  {Reporting.TextReport.Name(f.Descriptor.Severity)} {f.Descriptor.Id}: {Printable.Escape(f.Message)}");
        }

        return text.ToString();
    }

    /// <summary>
    /// JSON: <c>{"source", "target", "restores", "outcome", "valid_mapping_exists", "target_order",
    /// "switches_off", "criu_messages", "gpu_map": [{"src_gpu_id", "dest_gpu_id", "src_render_minor",
    /// "dest_render_minor"}], "findings": [{"code", "severity", "message", "property", "src_gpu_id",
    /// "src_value", "dest_gpu_id", "dest_value", "candidates": [{"gpu_id", "value"}]}]}</c>
    /// (finding fields only where they apply).
    /// </summary>
    public static void Json(Utf8JsonWriter json, string source, string target, HostCheckResult result)
    {
        json.WriteStartObject();
        json.WriteString("source", source);
        json.WriteString("target", target);
        WriteVerdict(json, result);
        WriteGpuMap(json, result);
        WriteFindings(json, result);
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>"findings": [{"code", "severity", "message", "property", "src_gpu_id", "src_value", "dest_gpu_id",
    /// "dest_value", "candidates": [{"gpu_id", "value"}]}]</c>, the members after message only where they apply.
    /// </summary>
    public static void WriteFindings(Utf8JsonWriter json, HostCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(result);
        json.WriteStartArray("findings");
        foreach (HostFinding f in result.Findings)
        {
            WriteFinding(json, f);
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// The JSON report as indented text ending in a newline. Quotes and apostrophes in messages are written
    /// as they are (the report goes to files and logs, not into HTML).
    /// </summary>
    public static string JsonText(string source, string target, HostCheckResult result)
    {
        using var stream = new MemoryStream();
        using (var json = JsonOutput.Create(stream))
        {
            Json(json, source, target, result);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteFinding(Utf8JsonWriter json, HostFinding f)
    {
        json.WriteStartObject();
        json.WriteString("code", f.Descriptor.Id);
        json.WriteString("severity", Reporting.TextReport.Name(f.Descriptor.Severity));
        json.WriteString("message", f.Message);
        if (f.Property is not null)
        {
            json.WriteString("property", f.Property);
        }

        JsonOutput.WriteOptional(json, "src_gpu_id", f.SrcGpuId);
        JsonOutput.WriteOptional(json, "src_value", f.SrcValue);
        JsonOutput.WriteOptional(json, "dest_gpu_id", f.DestGpuId);
        JsonOutput.WriteOptional(json, "dest_value", f.DestValue);
        if (f.Candidates.Count > 0)
        {
            json.WriteStartArray("candidates");
            foreach (FindingGpu g in f.Candidates)
            {
                json.WriteStartObject();
                json.WriteNumber("gpu_id", g.GpuId);
                JsonOutput.WriteOptional(json, "value", g.Value);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>The verdict's fields: <c>"restores", "outcome", "valid_mapping_exists", "target_order", "switches_off", "criu_messages"</c>.</summary>
    public static void WriteVerdict(Utf8JsonWriter json, HostCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(result);
        json.WriteBoolean("restores", result.Restores);
        json.WriteString("outcome", OutcomeName(result.Outcome));
        if (result.ValidMappingExists is { } exists)
        {
            json.WriteBoolean("valid_mapping_exists", exists);
        }
        else
        {
            json.WriteNull("valid_mapping_exists");
        }

        json.WriteString("target_order", result.TargetOrder);
        JsonOutput.WriteStrings(json, "switches_off", result.SwitchesOff);
        JsonOutput.WriteStrings(json, "criu_messages", result.CriuMessages);
    }

    /// <summary><c>"gpu_map": [{"src_gpu_id", "dest_gpu_id", "src_render_minor", "dest_render_minor"}]</c>.</summary>
    public static void WriteGpuMap(Utf8JsonWriter json, HostCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(result);
        json.WriteStartArray("gpu_map");
        foreach (GpuMapEntry e in result.GpuMap)
        {
            json.WriteStartObject();
            json.WriteNumber("src_gpu_id", e.SrcGpuId);
            json.WriteNumber("dest_gpu_id", e.DestGpuId);
            json.WriteNumber("src_render_minor", e.SrcRenderMinor);
            json.WriteNumber("dest_render_minor", e.DestRenderMinor);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
