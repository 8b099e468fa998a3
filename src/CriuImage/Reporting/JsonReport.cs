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
        WriteStart(json);
        foreach (FileReport report in reports)
        {
            WriteFileStart(json, report);
            foreach (Diagnostic d in report.Diagnostics)
            {
                WriteDiagnostic(json, d);
            }

            WriteFileEnd(json, report);
        }

        WriteEnd(json, reports, skipped);
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>
    /// Verifies <paramref name="inputs"/> and writes the report as <see cref="Write(IReadOnlyList{FileReport}, IReadOnlyList{SkippedInput}, Stream)"/>
    /// would, byte for byte, without holding the findings: each file is verified once for its summary (which comes
    /// before its findings) and again to write its findings as they are found. For <c>--max-findings 0</c>.
    /// </summary>
    /// <returns>The run, its reports without their findings.</returns>
    public static VerifyRun WriteStreamed(InputSet inputs, VerifyOptions options, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        VerifyRun run = StreamedFindings.Summaries(inputs, options, cancellationToken);
        using var json = JsonOutput.Create(output);
        WriteStart(json);
        StreamedFindings.Replay(
            inputs,
            options,
            run,
            report => WriteFileStart(json, report),
            d =>
            {
                WriteDiagnostic(json, d);
                if (json.BytesPending > StreamedFindings.FlushAt)
                {
                    json.Flush();
                }
            },
            report => WriteFileEnd(json, report),
            cancellationToken);
        WriteEnd(json, run.Reports, run.Skipped);
        json.Flush();
        output.Write("\n"u8);
        return run;
    }

    private static void WriteStart(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartObject("tool");
        json.WriteString("name", ToolInfo.Name);
        json.WriteString("version", ToolInfo.Version);
        json.WriteEndObject();
        json.WriteStartArray("files");
    }

    private static void WriteFileStart(Utf8JsonWriter json, FileReport report)
    {
        json.WriteStartObject();
        json.WriteString("path", report.Path);
        json.WriteString("status", report.StatusName);
        JsonOutput.WriteOptional(json, "criu_revision", report.CriuRevision);
        if (report.Holders is { Count: > 0 } holders)
        {
            TaskFdJson.Write(json, "held_by", holders);
        }

        if (report.Host is { } host)
        {
            WriteHost(json, host);
        }

        json.WriteStartObject("summary");
        WriteCounts(json, report.Summary, report.Mappings);
        json.WriteEndObject();
        json.WriteStartArray("diagnostics");
    }

    private static void WriteDiagnostic(Utf8JsonWriter json, Diagnostic d)
    {
        json.WriteStartObject();
        json.WriteString("code", d.Descriptor.Id);
        json.WriteString("severity", TextReport.Name(d.Severity));
        json.WriteString("message", d.Message);
        JsonOutput.WriteOptional(json, "gem_handle", d.GemHandle);
        JsonOutput.WriteOptional(json, "mapping", d.Mapping);
        JsonOutput.WriteOptional(json, "byte_offset", d.ByteOffset);

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

    private static void WriteFileEnd(Utf8JsonWriter json, FileReport report)
    {
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

    private static void WriteEnd(Utf8JsonWriter json, IReadOnlyList<FileReport> reports, IReadOnlyList<SkippedInput> skipped)
    {
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

        FindingSummary all = default;
        ulong mappings = 0;
        foreach (FileReport report in reports)
        {
            all += report.Summary;
            mappings += report.Mappings;
        }

        json.WriteStartObject("summary");
        json.WriteNumber("files", reports.Count);
        json.WriteNumber("ok", reports.Count(r => r.Status == FileStatus.Ok));
        json.WriteNumber("findings", reports.Count(r => r.Status == FileStatus.Findings));
        json.WriteNumber("unreadable", reports.Count(r => r.Status == FileStatus.Unreadable));
        WriteCounts(json, all, mappings);
        json.WriteEndObject();
        json.WriteEndObject();
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
