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
        long bos = 0, mappings = 0;
        UInt128 bytes = 0;
        await foreach (BoEntry entry in reader.ReadBosAsync(cancellationToken))
        {
            BoRecord bo = entry.Bo;
            bos++;
            bytes += bo.Size;
            string boFlags = bo.Flags != 0 ? $" [{FlagNames.Join(FlagNames.OfBoFlags(bo.Flags))}]" : "";
            string alignment = bo.Alignment is { } a ? string.Create(c, $" (alignment {a})") : "";
            await output.WriteLineAsync(string.Create(c, $"{bo.GemHandle,10}  {Sizes.Humanize(bo.Size),10}  {FlagNames.Join(FlagNames.OfDomains(bo.PreferredDomains)),-12}  {(bo.Offset is { } o ? $"0x{o:x16}" : "-"),-18}  {FlagNames.Join(FlagNames.OfAllocFlags(bo.AllocFlags))}{boFlags}{alignment}"));
            foreach (VmRecord vm in entry.Mappings)
            {
                mappings++;
                string flags = FlagNames.Join(FlagNames.OfMappingFlags(vm.Flags, header.MappingFlags));
                string line = MappingExtent.Of(vm, header) is { } extent
                    ? string.Create(c, $"{"",10}  0x{extent.Address:x16}  {End(extent),-19}  {Sizes.Humanize(extent.Size),10}  0x{vm.Offset:x16}  {flags}")
                    : string.Create(c, $"{"",10}  invalid range: words 0x{vm.First:x} 0x{vm.Second:x} ('criu-image verify' says why)  0x{vm.Offset:x16}  {flags}");
                await output.WriteLineAsync(line);
            }
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(c, $"{bos} {(bos == 1 ? "BO" : "BOs")}, {Sizes.Humanize(bytes)} ({bytes} bytes); {mappings} {(mappings == 1 ? "mapping" : "mappings")}"));
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
        await foreach (BoEntry entry in reader.ReadBosAsync(cancellationToken))
        {
            BoRecord bo = entry.Bo;
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
            foreach (VmRecord vm in entry.Mappings)
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

            json.WriteEndArray();
            json.WriteEndObject();
            if (json.BytesPending > 64 * 1024)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>One past the mapping's last byte, 16 hex digits (17 for exactly 2^64).</summary>
    private static string End(MappingExtent extent) => string.Create(CultureInfo.InvariantCulture, $"0x{extent.Address + extent.Size:x16}");
}
