using System.Globalization;
using System.Text;
using System.Text.Json;
using CriuImage.Criu;
using CriuImage.IO;

namespace CriuImage.Reporting;

/// <summary>
/// <c>info</c> of CRIU dumps: what GPU state each holds. Text for people; JSON with
/// <c>{"dumps":[{"path", "revision", "files", "file_bytes", "unreadable", "dma_bufs", "gpus":[...], "totals":{...}}],
/// "gpus":[{"dump", "gpu_id", "render_minor", "vendor_id", "device_id", "name", "vram_size", "kfd_bos", "render_bos",
/// "vram_bytes", "gtt_bytes", "mappings", "contents_bytes", "kfd_by_domain", "render_by_domain"}]}</c>; byte
/// counts are exact integers (sums never wrap).
/// </summary>
internal static class DumpInfoReport
{
    /// <summary>The text of one dump.</summary>
    public static string Text(DumpSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        CultureInfo c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"{Printable.Escape(summary.Dump.Folder)} (CRIU amdgpu dump)");
        text.AppendLine(c, $"  revision:   {CriuRevisionNames.Describe(summary.Dump.Revisions)}");
        text.AppendLine(c, $"  files:      {summary.Dump.Files.Count} ({summary.FileBytes} bytes), {summary.Unreadable} unreadable");
        foreach (GpuSummary gpu in summary.Gpus)
        {
            string pci = gpu.Device is { } d ? $", pci {d.VendorId:x4}:{d.DeviceId:x4}{(gpu.Name is { } n ? $" ({n})" : "")}, vram {d.VramSize} bytes" : ", no KFD device entry";
            text.AppendLine(c, $"  gpu 0x{gpu.GpuId:x}: render minor {gpu.RenderMinor?.ToString(c) ?? "?"}{pci}");
            text.AppendLine(c, $"    kfd bos:    {Tally(gpu.KfdBos)}");
            text.AppendLine(c, $"    render bos: {Tally(gpu.RenderBos)}; {Plural.Of(gpu.Mappings, "mapping")}");
            text.AppendLine(c, $"    contents:   {gpu.ContentsBytes} bytes on disk");
        }

        text.AppendLine(c, $"  dma-bufs:   {summary.DmaBufs}");
        text.AppendLine(c, $"  totals:     {summary.Gpus.Count} gpus, {Sum(summary, g => g.KfdBos.Count)} kfd bos ({SumBytes(summary, g => g.KfdBos.Bytes)} bytes), "
            + $"{Sum(summary, g => g.RenderBos.Count)} render bos ({SumBytes(summary, g => g.RenderBos.Bytes)} bytes), {Sum(summary, g => g.Mappings)} mappings, {SumBytes(summary, g => g.ContentsBytes)} contents bytes");
        return text.ToString();
    }

    /// <summary>Writes the JSON of <paramref name="summaries"/> (the <c>"dumps"</c> and <c>"gpus"</c> members) into an open object.</summary>
    public static void WriteJson(IReadOnlyList<DumpSummary> summaries, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartArray("dumps");
        foreach (DumpSummary s in summaries)
        {
            json.WriteStartObject();
            json.WriteString("path", s.Dump.Folder);
            JsonOutput.WriteStrings(json, "revision", CriuRevisionNames.Ids(s.Dump.Revisions));
            json.WriteNumber("files", s.Dump.Files.Count);
            Big(json, "file_bytes", s.FileBytes);
            json.WriteNumber("unreadable", s.Unreadable);
            json.WriteNumber("dma_bufs", s.DmaBufs);
            json.WriteStartArray("gpus");
            foreach (GpuSummary gpu in s.Gpus)
            {
                WriteGpu(json, gpu, null);
            }

            json.WriteEndArray();
            json.WriteStartObject("totals");
            json.WriteNumber("gpus", s.Gpus.Count);
            Big(json, "kfd_bos", Sum(s, g => g.KfdBos.Count));
            Big(json, "render_bos", Sum(s, g => g.RenderBos.Count));
            Big(json, "vram_bytes", SumBytes(s, g => g.VramBytes));
            Big(json, "gtt_bytes", SumBytes(s, g => g.GttBytes));
            Big(json, "mappings", Sum(s, g => g.Mappings));
            Big(json, "contents_bytes", SumBytes(s, g => g.ContentsBytes));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("gpus");
        foreach (DumpSummary s in summaries)
        {
            foreach (GpuSummary gpu in s.Gpus)
            {
                WriteGpu(json, gpu, s.Dump.Folder);
            }
        }

        json.WriteEndArray();
    }

    private static void WriteGpu(Utf8JsonWriter json, GpuSummary gpu, string? dump)
    {
        json.WriteStartObject();
        if (dump is not null)
        {
            json.WriteString("dump", dump);
        }

        json.WriteNumber("gpu_id", gpu.GpuId);
        if (gpu.RenderMinor is { } minor)
        {
            json.WriteNumber("render_minor", minor);
        }
        else
        {
            json.WriteNull("render_minor");
        }

        if (gpu.Device is { } d)
        {
            json.WriteNumber("vendor_id", d.VendorId);
            json.WriteNumber("device_id", d.DeviceId);
            json.WriteNumber("vram_size", d.VramSize);
        }

        JsonOutput.WriteOptional(json, "name", gpu.Name);

        json.WriteNumber("kfd_bos", gpu.KfdBos.Count);
        json.WriteNumber("render_bos", gpu.RenderBos.Count);
        Big(json, "vram_bytes", gpu.VramBytes);
        Big(json, "gtt_bytes", gpu.GttBytes);
        json.WriteNumber("mappings", gpu.Mappings);
        Big(json, "contents_bytes", gpu.ContentsBytes);
        Domains(json, "kfd_by_domain", gpu.KfdBos);
        Domains(json, "render_by_domain", gpu.RenderBos);
        json.WriteEndObject();
    }

    private static void Domains(Utf8JsonWriter json, string name, BoTally tally)
    {
        json.WriteStartObject(name);
        foreach ((string domain, (ulong count, UInt128 bytes)) in tally.Domains)
        {
            json.WriteStartObject(domain);
            json.WriteNumber("count", count);
            Big(json, "bytes", bytes);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>An exact integer of any size: JSON numbers have no limit, so a UInt128 is written as its digits.</summary>
    private static void Big(Utf8JsonWriter json, string name, UInt128 value)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private static string Tally(BoTally tally)
    {
        string parts = string.Join(", ", tally.Domains.Select(d => $"{d.Key} {d.Value.Count} ({d.Value.Bytes})"));
        return $"{tally.Count} ({tally.Bytes} bytes){(parts.Length > 0 ? ": " + parts : "")}";
    }

    private static UInt128 Sum(DumpSummary s, Func<GpuSummary, ulong> of) => s.Gpus.Aggregate(UInt128.Zero, (sum, g) => sum + of(g));

    private static UInt128 SumBytes(DumpSummary s, Func<GpuSummary, UInt128> of) => s.Gpus.Aggregate(UInt128.Zero, (sum, g) => sum + of(g));
}
