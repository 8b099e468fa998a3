using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CriuImage.Analyzer.Cli;
using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image show IMAGE|DUMP [--format text|json]</c>: every BO and mapping, sizes humanized, addresses in hex, flag bits named.</summary>
internal static class ShowCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new ShowCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Image)!;
            return CommandErrors.RunAsync(path, std.Error, async () =>
            {
                using CommandInput input = CommandInput.Open(path, std);
                if (input.Inputs is { } inputs)
                {
                    return await ShowDumpsAsync(input, inputs, parse.GetValue(command.Format) == "json", std);
                }

                await using ImageReader reader = input.OpenImage();
                ImageHeader header = await reader.ReadHeaderAsync(cancellationToken);
                if (parse.GetValue(command.Format) == "json")
                {
                    await std.Text.FlushAsync(cancellationToken);
                    await WriteJsonAsync(path, header, reader, std.Output, cancellationToken);
                }
                else
                {
                    await WriteTextAsync(path, header, reader, std.Text, cancellationToken);
                }

                return ExitCodes.Success;
            });
        });
        return command;
    }

    /// <summary>
    /// A dump folder, container archive or CRIU file: each dump's files as <see cref="DumpShowReport"/> gives
    /// them; criu-images found beside them are named (each shows on its own); exit 2 when nothing is a dump or
    /// an input cannot be read.
    /// </summary>
    private static async Task<int> ShowDumpsAsync(CommandInput input, Input.InputSet inputs, bool json, StandardStreams std)
    {
        if (await input.DumpsAsync("show", "shows", std.Error) is not { } plan)
        {
            return ExitCodes.Unusable;
        }

        if (json)
        {
            await std.Text.FlushAsync();
            await using (var writer = IO.JsonOutput.Create(std.Output))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("dumps");
                foreach (Criu.PlannedDump planned in plan.Dumps)
                {
                    DumpShowReport.WriteJson(planned.Dump, writer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            await std.Output.WriteAsync("\n"u8.ToArray());
        }
        else
        {
            // Written as it goes, dump after dump, a blank line between them.
            for (int i = 0; i < plan.Dumps.Count; i++)
            {
                if (i > 0)
                {
                    await std.Text.WriteAsync("\n");
                }

                DumpShowReport.WriteText(plan.Dumps[i].Dump, std.Text);
            }
        }

        // A file shown as unreadable (damaged header or wire) is an input that could not be read, as in verify.
        bool damaged = await CommandErrors.ReportDamageAsync(plan.Dumps.SelectMany(d => d.Dump.Files), std.Error);
        return ExitCodes.For(inputs.Unreadable.Count > 0 || damaged, findings: false);
    }

    private static async Task WriteTextAsync(string path, ImageHeader header, ImageReader reader, TextWriter output, CancellationToken cancellationToken)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(Printable.Escape(path));
        await output.WriteLineAsync(Printable.Escape(string.Create(c, $"  abi {header.Abi.ToId()}, mapping flags {(header.MappingFlags == MappingFlagsKind.Pte ? "pte" : "uapi")}, gpu page size {header.GpuPageSize}")));
        if (header.Device is { } d)
        {
            await output.WriteLineAsync(string.Create(c, $"  device: render minor {d.RenderMinor?.ToString(c) ?? "?"}, pci {d.PciVendorId?.ToString("x4", c) ?? "?"}:{d.PciDeviceId?.ToString("x4", c) ?? "?"}, gc {d.GcIpVersion?.ToString() ?? "?"}, va bits {d.VaBits ?? DeviceInfo.DefaultVaBits}"));
        }

        if (header.Capture is { } cap)
        {
            string time = cap.TimeNs is { } ns ? DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", c) : "?";
            await output.WriteLineAsync(Printable.Escape(string.Create(c, $"  capture: time {time}, pid {cap.Pid?.ToString(c) ?? "?"}, tool {cap.Tool ?? "?"}")));
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(c, $"{"HANDLE",10}  {"SIZE",10}  {"DOMAINS",-12}  {"MMAP OFFSET",-18}  ALLOC FLAGS [BO FLAGS] (ALIGNMENT)"));
        await output.WriteLineAsync(string.Create(c, $"{"",10}  {"MAPPING",-18}  {"END (EXCLUSIVE)",-19}  {"SIZE",10}  {"BO OFFSET",-18}  FLAGS"));
        var totals = new Totals();
        while (await reader.ReadFrameAsync(cancellationToken))
        {
            WriteFrameText(header, reader, output, totals);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(c, $"{totals.Bos} {(totals.Bos == 1 ? "BO" : "BOs")}, {Sizes.Humanize(totals.Bytes)} ({totals.Bytes} bytes); {totals.Mappings} {(totals.Mappings == 1 ? "mapping" : "mappings")}"));
    }

    /// <summary>
    /// The lines of the records of the frame just loaded: a BO's line, then one a mapping. Written frame by frame, so
    /// that a BO of millions of mappings is never held (synchronous: the reader's current record is a field).
    /// </summary>
    private static void WriteFrameText(ImageHeader header, ImageReader reader, TextWriter output, Totals totals)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        while (reader.TryReadRecord(out RecordTag tag))
        {
            if (tag == RecordTag.Vm)
            {
                VmRecord vm = reader.CurrentVm;
                totals.Mappings++;
                string flags = FlagNames.Join(FlagNames.OfMappingFlags(vm.Flags, header.MappingFlags));
                output.WriteLine(MappingExtent.Of(vm, header) is { } extent
                    ? string.Create(c, $"{"",10}  0x{extent.Address:x16}  {End(extent),-19}  {Sizes.Humanize(extent.Size),10}  0x{vm.Offset:x16}  {flags}")
                    : string.Create(c, $"{"",10}  invalid range: words 0x{vm.First:x} 0x{vm.Second:x} ('criu-image verify' says why)  0x{vm.Offset:x16}  {flags}"));
                continue;
            }

            BoRecord bo = reader.CurrentBo;
            totals.Bos++;
            totals.Bytes += bo.Size;
            string boFlags = bo.Flags != 0 ? $" [{FlagNames.Join(FlagNames.OfBoFlags(bo.Flags))}]" : "";
            string alignment = bo.Alignment is { } a ? string.Create(c, $" (alignment {a})") : "";
            output.WriteLine(string.Create(c, $"{bo.GemHandle,10}  {Sizes.Humanize(bo.Size),10}  {FlagNames.Join(FlagNames.OfDomains(bo.PreferredDomains)),-12}  {(bo.Offset is { } o ? $"0x{o:x16}" : "-"),-18}  {FlagNames.Join(FlagNames.OfAllocFlags(bo.AllocFlags))}{boFlags}{alignment}"));
        }
    }

    private static async Task WriteJsonAsync(string path, ImageHeader header, ImageReader reader, Stream output, CancellationToken cancellationToken)
    {
        await using var json = IO.JsonOutput.Create(output);
        json.WriteStartObject();
        json.WriteString("path", path);
        json.WriteString("abi", header.Abi.ToId());
        json.WriteString("mapping_flags", header.MappingFlags == MappingFlagsKind.Pte ? "pte" : "uapi");
        json.WriteNumber("gpu_page_size", header.GpuPageSize);
        json.WriteStartArray("bos");
        bool open = false;
        while (await reader.ReadFrameAsync(cancellationToken))
        {
            open = WriteFrameJson(header, reader, json, open);
            if (json.BytesPending > 64 * 1024)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        if (open)
        {
            EndBo(json);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>
    /// The records of the frame just loaded as JSON: a BO's object is opened at its record and closed at the next
    /// BO's (or after the last frame), its mappings written between, so that a BO of millions of mappings is never
    /// held; what is written is handed to the stream past 64 KiB. Returns whether a BO is still open.
    /// </summary>
    private static bool WriteFrameJson(ImageHeader header, ImageReader reader, Utf8JsonWriter json, bool open)
    {
        while (reader.TryReadRecord(out RecordTag tag))
        {
            IO.JsonOutput.FlushIfFull(json);
            if (tag == RecordTag.Vm)
            {
                WriteMapping(header, reader.CurrentVm, json);
                continue;
            }

            if (open)
            {
                EndBo(json);
            }

            BoRecord bo = reader.CurrentBo;
            json.WriteStartObject();
            json.WriteNumber("gem_handle", bo.GemHandle);
            json.WriteNumber("size", bo.Size);
            json.WriteString("size_text", Sizes.Humanize(bo.Size));
            if (bo.Offset is { } offset)
            {
                json.WriteString("mmap_offset", $"0x{offset:x}");
            }

            FlagNames.WriteJson(json, "preferred_domains", bo.PreferredDomains, FlagNames.OfDomains(bo.PreferredDomains));
            FlagNames.WriteJson(json, "alloc_flags", bo.AllocFlags, FlagNames.OfAllocFlags(bo.AllocFlags));
            FlagNames.WriteJson(json, "flags", bo.Flags, FlagNames.OfBoFlags(bo.Flags));
            if (bo.Alignment is { } alignment)
            {
                json.WriteNumber("alignment", alignment);
            }

            json.WriteStartArray("mappings");
            open = true;
        }

        return open;
    }

    private static void WriteMapping(ImageHeader header, VmRecord vm, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        if (MappingExtent.Of(vm, header) is { } extent)
        {
            json.WriteString("address", $"0x{extent.Address:x}");
            json.WriteString("end", $"0x{extent.Address + extent.Size:x}");
            json.WriteString("size", $"0x{extent.Size:x}");
            json.WriteString("size_text", Sizes.Humanize(extent.Size));
        }
        else
        {
            json.WriteBoolean("valid_range", false);
            json.WriteString("first_word", $"0x{vm.First:x}");
            json.WriteString("second_word", $"0x{vm.Second:x}");
        }

        json.WriteString("offset", $"0x{vm.Offset:x}");
        FlagNames.WriteJson(json, "flags", vm.Flags, FlagNames.OfMappingFlags(vm.Flags, header.MappingFlags));
        json.WriteEndObject();
    }

    /// <summary>Closes a BO's mappings and its object.</summary>
    private static void EndBo(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One past the mapping's last byte, 16 hex digits (17 for exactly 2^64).</summary>
    private static string End(MappingExtent extent) => string.Create(CultureInfo.InvariantCulture, $"0x{extent.Address + extent.Size:x16}");

    /// <summary>What the text's last line counts.</summary>
    private sealed class Totals
    {
        public long Bos { get; set; }

        public long Mappings { get; set; }

        public UInt128 Bytes { get; set; }
    }
}
