using System.Globalization;
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
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        foreach (FileReport report in reports)
        {
            WriteFile(report, text);
        }

        WriteTotals(reports, text);
        return text.ToString();
    }

    /// <summary>One finding's line, as <see cref="Write(IReadOnlyList{FileReport})"/> writes it (for findings written as they are found).</summary>
    public static void WriteFinding(string path, Diagnostic diagnostic, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        ArgumentNullException.ThrowIfNull(output);
        string location = Location(diagnostic);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"{Printable.Escape(path)}: {Name(diagnostic.Severity)} {diagnostic.Descriptor.Id}: {Printable.Escape(diagnostic.Message)}{(location.Length > 0 ? $" [{location}]" : "")}\n"));
    }

    /// <summary>One file's lines: its listed findings, its host verdict, what was not listed, its summary.</summary>
    public static void WriteFile(FileReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        CultureInfo c = CultureInfo.InvariantCulture;
        string path = Printable.Escape(report.Path);
        foreach (Diagnostic d in report.Diagnostics)
        {
            WriteFinding(report.Path, d, output);
        }

        if (report.Host is { } host)
        {
            HostCheckLines(output, path, host);
        }

        foreach (UnlistedFindings unlisted in report.NotListed)
        {
            output.Write(string.Create(c, $"{path}: {Name(unlisted.Descriptor.Severity)} {unlisted.Descriptor.Id}: {unlisted.NotListed} more not listed ({unlisted.Total} in all)\n"));
        }

        FindingSummary s = report.Summary;
        string listed = s.Listed < s.Total ? $" ({s.Listed} listed)" : "";
        output.Write(string.Create(c, $"{path}: {report.StatusName}: {Counts(s)}{listed}, {Plural.Of(report.Mappings, "mapping")} checked{(report.CriuRevision is { } revision ? $", CRIU {revision}" : "")}{Holders(report)}\n"));
    }

    /// <summary>", held by task P fd F (opens it), task Q fd G" for a file the dump's fdinfo images place; empty otherwise.</summary>
    private static string Holders(FileReport report) =>
        report.Holders is { Count: > 0 } holders
            ? $", held by {string.Join(", ", holders.Select((h, i) => i == 0 && holders.Count > 1 ? $"{h} (opens it)" : h.ToString()))}"
            : "";

    /// <summary>The line of totals over <paramref name="reports"/>.</summary>
    public static void WriteTotals(IReadOnlyList<FileReport> reports, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(output);
        int ok = reports.Count(r => r.Status == FileStatus.Ok);
        int findings = reports.Count(r => r.Status == FileStatus.Findings);
        int unreadable = reports.Count(r => r.Status == FileStatus.Unreadable);
        FindingSummary all = reports.Aggregate(default(FindingSummary), (sum, r) => sum + r.Summary);
        output.Write(string.Create(CultureInfo.InvariantCulture, $"verified {reports.Count} {(reports.Count == 1 ? "file" : "files")}: {ok} ok, {findings} with findings, {unreadable} unreadable; {Counts(all)}\n"));
    }

    /// <summary>
    /// Like <see cref="Write(IReadOnlyList{FileReport})"/>, then what was not examined: one line per
    /// skipped input, except the other files of dump folders, which are counted on one line.
    /// </summary>
    public static string Write(IReadOnlyList<FileReport> reports, IReadOnlyList<SkippedInput> skipped) =>
        Write(reports, skipped, RemedyWords.Library);

    /// <summary>As <see cref="Write(IReadOnlyList{FileReport}, IReadOnlyList{SkippedInput})"/>, with the caller's <paramref name="words"/> for where the uncounted files are listed.</summary>
    internal static string Write(IReadOnlyList<FileReport> reports, IReadOnlyList<SkippedInput> skipped, RemedyWords words)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        text.Write(Write(reports));
        WriteSkipped(skipped, text, words);
        return text.ToString();
    }

    /// <summary>The lines of what was not examined, as <see cref="Write(IReadOnlyList{FileReport}, IReadOnlyList{SkippedInput})"/> ends.</summary>
    public static void WriteSkipped(IReadOnlyList<SkippedInput> skipped, TextWriter output) =>
        WriteSkipped(skipped, output, RemedyWords.Library);

    /// <summary>As <see cref="WriteSkipped(IReadOnlyList{SkippedInput}, TextWriter)"/>, with the caller's <paramref name="words"/> for where the uncounted files are listed.</summary>
    internal static void WriteSkipped(IReadOnlyList<SkippedInput> skipped, TextWriter output, RemedyWords words)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        ArgumentNullException.ThrowIfNull(output);
        foreach (SkippedInput s in skipped.Where(s => s.Kind != SkipKind.Other))
        {
            output.Write(string.Create(CultureInfo.InvariantCulture, $"{s.Path}: skipped: {s.Reason}\n"));
        }

        int others = skipped.Count(s => s.Kind == SkipKind.Other);
        if (others > 0)
        {
            output.Write(string.Create(CultureInfo.InvariantCulture, $"skipped {others} {(others == 1 ? "file" : "files")} that {(others == 1 ? "is" : "are")} neither a criu-image nor a CRIU amdgpu file ({words.For(Remedy.SkippedListed)})\n"));
        }
    }

    /// <summary>The severity as every report spells it: <c>error</c>, <c>warning</c>, <c>note</c>.</summary>
    public static string Name(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    /// <summary><c>path: on HOST: restores (mapped)</c>, then one line per pair of the GPU map.</summary>
    private static void HostCheckLines(TextWriter text, string path, Topology.HostVerdict host)
    {
        Topology.HostCheckResult r = host.Result;
        string said = r.CriuMessages.Count > 0 ? $"; CRIU prints '{r.CriuMessages[^1]}'" : "";
        string off = r.SwitchesOff.Count > 0 ? $", with {string.Join(", ", r.SwitchesOff.Select(s => s + "=0"))}" : "";
        text.Write(string.Create(CultureInfo.InvariantCulture, $"{path}: on {Printable.Escape(host.Target)}{off}: {(r.Restores ? "restores" : "does not restore")} ({HostCheckReport.OutcomeName(r.Outcome)}{said})\n"));
        foreach (Topology.GpuMapEntry e in r.GpuMap)
        {
            text.Write(string.Create(CultureInfo.InvariantCulture, $"{path}: gpu {Topology.TopologyNode.GpuIdText(e.SrcGpuId)} (renderD{e.SrcRenderMinor}) -> {Topology.TopologyNode.GpuIdText(e.DestGpuId)} (renderD{e.DestRenderMinor})\n"));
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
        $"{Plural.Of(s.Errors, "error")}, {Plural.Of(s.Warnings, "warning")}, {Plural.Of(s.Notes, "note")}";
}
