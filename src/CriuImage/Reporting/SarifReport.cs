using System.Text.Json;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>SARIF 2.1.0: one run of the <c>criu-image</c> driver with every rule, one result per finding.</summary>
public static class SarifReport
{
    /// <summary>Writes <paramref name="reports"/> as a SARIF 2.1.0 log to <paramref name="output"/>.</summary>
    public static void Write(IReadOnlyList<FileReport> reports, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
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
            json.WriteString("uri", report.Path.Replace('\\', '/'));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("results");
        foreach (FileReport report in reports)
        {
            foreach (Diagnostic d in report.Diagnostics)
            {
                WriteResult(json, report.Path, d);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void WriteTool(Utf8JsonWriter json)
    {
        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "criu-image");
        json.WriteString("informationUri", "docs/diagnostics.md");
        json.WriteStartArray("rules");
        foreach (DiagnosticDescriptor rule in Descriptors.All)
        {
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("name", rule.Name);
            json.WriteStartObject("shortDescription");
            json.WriteString("text", rule.Title);
            json.WriteEndObject();
            json.WriteString("helpUri", rule.HelpUri);
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
        json.WriteString("uri", path.Replace('\\', '/'));
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
        json.WriteEndObject();
    }
}
