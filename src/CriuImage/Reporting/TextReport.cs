using System.Globalization;
using System.Text;
using CriuImage.Diagnostics;
using CriuImage.Input;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// Compiler-style lines, <c>path: error CRI205: message [bo 3, mapping 1]</c>, then a summary per file and
/// overall with true totals (findings past the listing limit are counted, and said to be). File names and
/// messages are escaped (<see cref="Printable"/>): one line is one finding.
/// </summary>
public static class TextReport
{
    /// <summary>Formats <paramref name="reports"/>: one line per finding, a summary line per file, then the totals.</summary>
    public static string Write(IReadOnlyList<FileReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        foreach (FileReport report in reports)
        {
            string path = Printable.Escape(report.Path);
            foreach (Diagnostic d in report.Diagnostics)
            {
                text.Append(c, $"{path}: {Name(d.Severity)} {d.Descriptor.Id}: {Printable.Escape(d.Message)}");
                string location = Location(d);
                text.Append(location.Length > 0 ? $" [{location}]" : "").Append('\n');
            }

            if (report.Host is { } host)
            {
                HostCheckLines(text, path, host);
            }

            foreach (UnlistedFindings unlisted in report.NotListed)
            {
                text.Append(c, $"{path}: {Name(unlisted.Descriptor.Severity)} {unlisted.Descriptor.Id}: {unlisted.NotListed} more not listed ({unlisted.Total} in all)\n");
            }

            FindingSummary s = report.Summary;
            string listed = s.Listed < s.Total ? $" ({s.Listed} listed)" : "";
            text.Append(c, $"{path}: {report.StatusName}: {Counts(s)}{listed}, {report.Mappings} mappings checked{(report.CriuRevision is { } revision ? $", CRIU {revision}" : "")}\n");
        }

        int ok = reports.Count(r => r.Status == FileStatus.Ok);
        int findings = reports.Count(r => r.Status == FileStatus.Findings);
        int unreadable = reports.Count(r => r.Status == FileStatus.Unreadable);
        FindingSummary all = reports.Aggregate(default(FindingSummary), (sum, r) => sum + r.Summary);
        text.Append(c, $"verified {reports.Count} {(reports.Count == 1 ? "file" : "files")}: {ok} ok, {findings} with findings, {unreadable} unreadable; {Counts(all)}\n");
        return text.ToString();
    }

    /// <summary>
    /// Like <see cref="Write(IReadOnlyList{FileReport})"/>, then what was not examined: one line per
    /// skipped input, except the other files of dump folders, which are counted on one line.
    /// </summary>
    public static string Write(IReadOnlyList<FileReport> reports, IReadOnlyList<SkippedInput> skipped)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        var text = new StringBuilder(Write(reports));
        foreach (SkippedInput s in skipped.Where(s => s.Kind != SkipKind.Other))
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Path}: skipped: {s.Reason}\n");
        }

        int others = skipped.Count(s => s.Kind == SkipKind.Other);
        if (others > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"skipped {others} {(others == 1 ? "file" : "files")} that {(others == 1 ? "is" : "are")} neither a criu-image nor a CRIU amdgpu file (--format json lists them)\n");
        }

        return text.ToString();
    }

    /// <summary>The severity as every report spells it: <c>error</c>, <c>warning</c>, <c>note</c>.</summary>
    public static string Name(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    /// <summary><c>path: on HOST: restores (mapped)</c>, then one line per pair of the GPU map.</summary>
    private static void HostCheckLines(StringBuilder text, string path, Topology.HostVerdict host)
    {
        Topology.HostCheckResult r = host.Result;
        string said = r.CriuMessages.Count > 0 ? $"; CRIU prints '{r.CriuMessages[^1]}'" : "";
        string off = r.SwitchesOff.Count > 0 ? $", with {string.Join(", ", r.SwitchesOff.Select(s => s + "=0"))}" : "";
        text.Append(CultureInfo.InvariantCulture, $"{path}: on {Printable.Escape(host.Target)}{off}: {(r.Restores ? "restores" : "does not restore")} ({HostCheckReport.OutcomeName(r.Outcome)}{said})\n");
        foreach (Topology.GpuMapEntry e in r.GpuMap)
        {
            text.Append(CultureInfo.InvariantCulture, $"{path}: gpu {Topology.TopologyNode.GpuIdText(e.SrcGpuId)} (renderD{e.SrcRenderMinor}) -> {Topology.TopologyNode.GpuIdText(e.DestGpuId)} (renderD{e.DestRenderMinor})\n");
        }
    }

    private static string Location(Diagnostic d)
    {
        var parts = new List<string>(4);
        if (d.GemHandle is { } handle)
        {
            parts.Add($"bo {handle}");
        }

        if (d.Mapping is { } mapping)
        {
            parts.Add($"mapping {mapping}");
        }

        if (d.GemHandle is null && d.ByteOffset is { } offset)
        {
            parts.Add($"byte {offset}");
        }

        foreach (RelatedLocation related in d.Related)
        {
            parts.Add(related.Mapping is { } m ? $"with bo {related.GemHandle}, mapping {m}" : $"with bo {related.GemHandle}");
        }

        return string.Join(", ", parts);
    }

    private static string Counts(FindingSummary s) =>
        $"{Plural(s.Errors, "error")}, {Plural(s.Warnings, "warning")}, {Plural(s.Notes, "note")}";

    private static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
