using System.Text.Json;
using CriuImage.Sources;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// The JSON shape scripts rely on: <c>{"files":[{"path", "status", "diagnostics":[{"code", "severity",
/// "message", "gem_handle", "mapping", "byte_offset", "related":[{"gem_handle", "mapping"}]}]}]}</c>, location
/// fields present only where they apply.
/// </summary>
public static class JsonReport
{
    /// <summary>Writes <paramref name="reports"/> as one indented JSON document to <paramref name="output"/>.</summary>
    public static void Write(IReadOnlyList<FileReport> reports, Stream output) => Write(reports, [], output);

    /// <summary>As <see cref="Write(IReadOnlyList{FileReport}, Stream)"/>, with <c>"skipped":[{"path", "reason"}]</c> after the files when something was not examined.</summary>
    public static void Write(IReadOnlyList<FileReport> reports, IReadOnlyList<SkippedInput> skipped, Stream output)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("files");
        foreach (FileReport report in reports)
        {
            json.WriteStartObject();
            json.WriteString("path", report.Path);
            json.WriteString("status", report.StatusName);
            if (report.CriuRevision is { } revision)
            {
                json.WriteString("criu_revision", revision);
            }

            json.WriteStartArray("diagnostics");
            foreach (Diagnostic d in report.Diagnostics)
            {
                json.WriteStartObject();
                json.WriteString("code", d.Descriptor.Id);
                json.WriteString("severity", TextReport.Name(d.Severity));
                json.WriteString("message", d.Message);
                WriteOptional(json, "gem_handle", d.GemHandle);
                WriteOptional(json, "mapping", d.Mapping);
                if (d.ByteOffset is { } offset)
                {
                    json.WriteNumber("byte_offset", offset);
                }

                if (d.Related.Count > 0)
                {
                    json.WriteStartArray("related");
                    foreach (RelatedLocation related in d.Related)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("gem_handle", related.GemHandle);
                        WriteOptional(json, "mapping", related.Mapping);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
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

        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, uint? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }
}
