using System.Text.Json;
using System.Text;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Kernel;
using CriuImage.Restore;

namespace CriuImage.Reporting;

/// <summary><c>criu-image restorable</c>'s output: per CRIU and kernel line, whether the dump restores and why not.</summary>
internal static class RestorabilityReport
{
    /// <summary>The rows as text: a line naming the dump and what restores it, then one line per row.</summary>
    public static string WriteText(string folder, IReadOnlyList<RestorabilityRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        List<RestorabilityRow> good = [.. rows.Where(r => r.Restores)];
        // When every row restores, the rows below say which they are; the headline stays one readable line.
        string by = good.Count == 0 ? "no CRIU and kernel line known here"
            : good.Count == rows.Count ? $"every CRIU and kernel line known here ({good.Count})"
            : string.Join("; ", good.Select(Label));
        // Each line escaped whole, a line break in a name too: a name cannot forge a row.
        text.Append(Printable.Escape($"{folder}: restored as saved by {by}")).Append('\n');
        foreach (RestorabilityRow row in rows)
        {
            RestoreEnding end = row.End;
            string why = row.Unknown is { } unknown ? $"unknown: {unknown}"
                : row.Restores ? "restores" : $"{end.How.Name()} ({end.Code?.Id}) in {end.File}: {end.Message} [{end.Cause}]";
            text.Append(Printable.Escape($"  {Label(row)}: {why}")).Append('\n');
        }

        text.Append($"  (facts of restore-facts.json, checked {RestoreFacts.Checked})\n");
        return text.ToString();
    }

    /// <summary>The rows as JSON: <c>{"folder", "checked", "restorable": [labels], "rows": [{"criu", "contents", "kernel", "how", "code", "file", "cause", "message"}]}</c>; a row whose ending is not known has <c>"how": "unknown"</c> and <c>"why"</c>.</summary>
    public static void WriteJson(string folder, IReadOnlyList<RestorabilityRow> rows, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("folder", folder);
        json.WriteString("checked", RestoreFacts.Checked);
        JsonOutput.WriteStrings(json, "restorable", rows.Where(r => r.Restores).Select(Label));
        json.WriteStartArray("rows");
        foreach (RestorabilityRow row in rows)
        {
            json.WriteStartObject();
            json.WriteString("criu", row.Criu);
            json.WriteString("contents", row.Contents);
            json.WriteString("kernel", row.Kernel);
            json.WriteString("how", row.Unknown is null ? row.End.How.Name() : "unknown");
            if (row.Unknown is { } unknown)
            {
                json.WriteString("why", unknown);
            }
            else if (row.End.Code is { } code)
            {
                json.WriteString("code", code.Id);
                json.WriteString("file", row.End.File);
                json.WriteString("cause", row.End.Cause);
                json.WriteString("message", row.End.Message);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Label(RestorabilityRow row) => $"CRIU {row.Criu}{(row.Criu == "criu-dev" ? $" ({row.Contents} contents)" : "")} on Linux {row.Kernel}";
}
