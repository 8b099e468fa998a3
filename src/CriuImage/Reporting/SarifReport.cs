using System.Text.Json;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Input;
using CriuImage.Kernel;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// SARIF 2.1.0: one run of the <c>criu-image</c> driver (with its version) with every rule, one result per
/// listed finding, and the invocation with its exit code. The driver and its rules link to docs/diagnostics.md
/// by a relative reference (<see cref="ToolInfo.HelpReference"/>), resolved against the folder the tool
/// runs from, where the document ships: the log is the same whichever build wrote it and wherever it is
/// installed. Findings past the listing limit are counted in the run's properties.
/// A KFD image checked against a host carries the verdict and the GPU map in its artifact's properties, as
/// the JSON report has them (<c>"host"</c>, <c>"gpu_map"</c>).
/// </summary>
public static class SarifReport
{
    /// <summary>Writes <paramref name="reports"/> as a SARIF 2.1.0 log to <paramref name="output"/>.</summary>
    /// <param name="reports">The files verified.</param>
    /// <param name="output">Where to write the log.</param>
    /// <param name="exitCode">The exit code of the run, recorded in <c>invocations</c> when given.</param>
    public static void Write(IReadOnlyList<FileReport> reports, Stream output, int? exitCode = null)
    {
        ArgumentNullException.ThrowIfNull(reports);
        using var json = JsonOutput.Create(output);
        WriteStart(json, reports);
        foreach (FileReport report in reports)
        {
            foreach (Diagnostic d in report.Diagnostics)
            {
                WriteResult(json, report.Path, d);
            }
        }

        WriteEnd(json, reports, exitCode);
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>
    /// Verifies <paramref name="inputs"/> and writes the log as <see cref="Write"/> would, byte for byte, without
    /// holding the findings: a first run gives the artifacts, the totals and the exit code
    /// (<paramref name="exitCode"/> of that run), a second writes each result as it is found. For <c>--max-findings 0</c>.
    /// </summary>
    /// <returns>The run, its reports without their findings.</returns>
    public static VerifyRun WriteStreamed(InputSet inputs, VerifyOptions options, Stream output, Func<VerifyRun, int?> exitCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(exitCode);
        VerifyRun run = StreamedFindings.Summaries(inputs, options, cancellationToken);
        using var json = JsonOutput.Create(output);
        WriteStart(json, run.Reports);
        string path = "";
        StreamedFindings.Replay(
            inputs,
            options,
            run,
            report => path = report.Path,
            d =>
            {
                WriteResult(json, path, d);
                if (json.BytesPending > StreamedFindings.FlushAt)
                {
                    json.Flush();
                }
            },
            _ => { },
            cancellationToken);
        WriteEnd(json, run.Reports, exitCode(run));
        json.Flush();
        output.Write("\n"u8);
        return run;
    }

    private static void WriteStart(Utf8JsonWriter json, IReadOnlyList<FileReport> reports)
    {
        json.WriteStartObject();
        json.WriteString("$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
        json.WriteString("version", "2.1.0");
        json.WriteStartArray("runs");
        json.WriteStartObject();
        WriteTool(json);

        // Every file verified is an artifact, so a dump's files are listed even where nothing was found.
        json.WriteStartArray("artifacts");
        foreach (FileReport report in reports)
        {
            json.WriteStartObject();
            json.WriteStartObject("location");
            json.WriteString("uri", Uri(report.Path));
            json.WriteEndObject();
            if (report.Host is { } host)
            {
                json.WriteStartObject("properties");
                JsonReport.WriteHost(json, host);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("results");
    }

    private static void WriteEnd(Utf8JsonWriter json, IReadOnlyList<FileReport> reports, int? exitCode)
    {
        json.WriteEndArray();
        if (exitCode is { } code)
        {
            json.WriteStartArray("invocations");
            json.WriteStartObject();
            json.WriteBoolean("executionSuccessful", code is 0 or 1);
            json.WriteNumber("exitCode", code);
            json.WriteEndObject();
            json.WriteEndArray();
        }

        FindingSummary all = reports.Aggregate(default(FindingSummary), (sum, r) => sum + r.Summary);
        json.WriteStartObject("properties");
        json.WriteNumber("errors", all.Errors);
        json.WriteNumber("warnings", all.Warnings);
        json.WriteNumber("notes", all.Notes);
        json.WriteNumber("listed", all.Listed);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// A path as a SARIF <c>uri</c> (a URI reference, RFC 3986): each segment percent-encoded, so spaces, <c>%</c>,
    /// <c>#</c> or <c>?</c> in a file name stay part of it; the <c>/</c> between segments stays, and so does the
    /// <c>:</c> of an archive member (<c>x.tar:entry</c>) except in a relative path's first segment, where it
    /// would read as a scheme.
    /// </summary>
    private static string Uri(string path)
    {
        string[] segments = path.Replace('\\', '/').Split('/');
        return string.Join('/', segments.Select((segment, i) =>
        {
            string escaped = System.Uri.EscapeDataString(segment);
            return i == 0 && segments.Length > 0 && segment.Length > 0 ? escaped : escaped.Replace("%3A", ":", StringComparison.Ordinal);
        }));
    }

    private static void WriteTool(Utf8JsonWriter json)
    {
        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", ToolInfo.Name);
        json.WriteString("version", ToolInfo.Version);
        json.WriteString("semanticVersion", ToolInfo.Version);
        json.WriteString("informationUri", ToolInfo.DiagnosticsReference);
        json.WriteStartArray("rules");
        foreach (DiagnosticDescriptor rule in Descriptors.All)
        {
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("name", rule.Name);
            json.WriteStartObject("shortDescription");
            json.WriteString("text", rule.Title);
            json.WriteEndObject();
            json.WriteString("helpUri", ToolInfo.HelpReference(rule));
            json.WriteStartObject("defaultConfiguration");
            json.WriteString("level", TextReport.Name(rule.Severity));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter json, string path, Diagnostic d)
    {
        json.WriteStartObject();
        json.WriteString("ruleId", d.Descriptor.Id);
        json.WriteString("level", TextReport.Name(d.Severity));
        json.WriteStartObject("message");
        json.WriteString("text", d.Message);
        json.WriteEndObject();
        json.WriteStartArray("locations");
        json.WriteStartObject();
        json.WriteStartObject("physicalLocation");
        json.WriteStartObject("artifactLocation");
        json.WriteString("uri", Uri(path));
        json.WriteEndObject();
        if (d.ByteOffset is { } offset && offset >= 0)
        {
            json.WriteStartObject("region");
            json.WriteNumber("byteOffset", offset);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        if (d.GemHandle is { } handle)
        {
            json.WriteStartArray("logicalLocations");
            json.WriteStartObject();
            json.WriteString("name", d.Mapping is { } m ? $"bo {handle} mapping {m}" : $"bo {handle}");
            json.WriteString("kind", "element");
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (d.Call is { } call)
        {
            json.WriteStartObject("properties");
            json.WriteString("call", RestoreCallNames.Name(call));
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
