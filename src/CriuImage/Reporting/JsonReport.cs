using System.Text.Json;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Input;
using CriuImage.Kernel;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// The JSON shape scripts rely on: <c>{"tool":{"name", "version"}, "files":[{"path", "status",
/// "summary":{"errors", "warnings", "notes", "listed", "mappings"}, "diagnostics":[{"code", "severity",
/// "message", "gem_handle", "mapping", "byte_offset", "call", "related":[{"gem_handle", "mapping"}]}],
/// "not_listed":[{"code", "severity", "count", "total"}]}], "summary":{"files", "ok", "findings",
/// "unreadable", "errors", "warnings", "notes", "listed", "mappings"}}</c>; a KFD image checked against a
/// host (<c>verify --host</c>) also has <c>"host"</c> and, when it restores, <c>"gpu_map"</c> (<see cref="WriteHost"/>). Summaries are true totals,
/// listed or not; location fields and <c>not_listed</c> are present only where they apply.
/// </summary>
public static class JsonReport
{
    /// <summary>Writes <paramref name="reports"/> as one indented JSON document to <paramref name="output"/>.</summary>
    public static void Write(IReadOnlyList<FileReport> reports, Stream output) => Write(reports, [], output);

    /// <summary>As <see cref="Write(IReadOnlyList{FileReport}, Stream)"/>, with <c>"skipped":[{"path", "reason"}]</c> after the files when something was not examined.</summary>
    public static void Write(IReadOnlyList<FileReport> reports, IReadOnlyList<SkippedInput> skipped, Stream output)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(skipped);
        using var json = JsonOutput.Create(output);
        json.WriteStartObject();
        json.WriteStartObject("tool");
        json.WriteString("name", ToolInfo.Name);
        json.WriteString("version", ToolInfo.Version);
        json.WriteEndObject();
        json.WriteStartArray("files");
        FindingSummary all = default;
        ulong mappings = 0;
        foreach (FileReport report in reports)
        {
            all += report.Summary;
            mappings += report.Mappings;
            json.WriteStartObject();
            json.WriteString("path", report.Path);
            json.WriteString("status", report.StatusName);
            if (report.CriuRevision is { } revision)
            {
                json.WriteString("criu_revision", revision);
            }

            if (report.Host is { } host)
            {
                WriteHost(json, host);
            }

            json.WriteStartObject("summary");
            WriteCounts(json, report.Summary, report.Mappings);
            json.WriteEndObject();
            json.WriteStartArray("diagnostics");
            foreach (Diagnostic d in report.Diagnostics)
            {
                json.WriteStartObject();
                json.WriteString("code", d.Descriptor.Id);
                json.WriteString("severity", TextReport.Name(d.Severity));
                json.WriteString("message", d.Message);
                JsonOutput.WriteOptional(json, "gem_handle", d.GemHandle);
                JsonOutput.WriteOptional(json, "mapping", d.Mapping);
                if (d.ByteOffset is { } offset)
                {
                    json.WriteNumber("byte_offset", offset);
                }

                if (d.Call is { } call)
                {
                    // The restore call the finding refuses, as plan names it (GEM_CREATE, CHANGE_HANDLE, GEM_MMAP, GEM_VA).
                    json.WriteString("call", RestoreCallNames.Name(call));
                }

                if (d.Related.Count > 0)
                {
                    json.WriteStartArray("related");
                    foreach (RelatedLocation related in d.Related)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("gem_handle", related.GemHandle);
                        JsonOutput.WriteOptional(json, "mapping", related.Mapping);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (report.NotListed.Count > 0)
            {
                json.WriteStartArray("not_listed");
                foreach (UnlistedFindings unlisted in report.NotListed)
                {
                    json.WriteStartObject();
                    json.WriteString("code", unlisted.Descriptor.Id);
                    json.WriteString("severity", TextReport.Name(unlisted.Descriptor.Severity));
                    json.WriteNumber("count", unlisted.NotListed);
                    json.WriteNumber("total", unlisted.Total);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (skipped.Count > 0)
        {
            json.WriteStartArray("skipped");
            foreach (SkippedInput s in skipped)
            {
                json.WriteStartObject();
                json.WriteString("path", s.Path);
                json.WriteString("reason", s.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteStartObject("summary");
        json.WriteNumber("files", reports.Count);
        json.WriteNumber("ok", reports.Count(r => r.Status == FileStatus.Ok));
        json.WriteNumber("findings", reports.Count(r => r.Status == FileStatus.Findings));
        json.WriteNumber("unreadable", reports.Count(r => r.Status == FileStatus.Unreadable));
        WriteCounts(json, all, mappings);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary><c>"host": {"target", "restores", "outcome", "valid_mapping_exists", "target_order", "switches_off", "criu_messages", "findings"}</c>, and <c>"gpu_map"</c> when it restores.</summary>
    internal static void WriteHost(Utf8JsonWriter json, Topology.HostVerdict host)
    {
        Topology.HostCheckResult r = host.Result;
        json.WriteStartObject("host");
        json.WriteString("target", host.Target);
        HostCheckReport.WriteVerdict(json, r);

        // The reasons with their GPUs and values as members (the diagnostics carry the same findings as text).
        HostCheckReport.WriteFindings(json, r);
        json.WriteEndObject();
        if (!r.Restores)
        {
            return;
        }

        HostCheckReport.WriteGpuMap(json, r);
    }

    private static void WriteCounts(Utf8JsonWriter json, FindingSummary summary, ulong mappings)
    {
        json.WriteNumber("errors", summary.Errors);
        json.WriteNumber("warnings", summary.Warnings);
        json.WriteNumber("notes", summary.Notes);
        json.WriteNumber("listed", summary.Listed);
        json.WriteNumber("mappings", mappings);
    }
}
