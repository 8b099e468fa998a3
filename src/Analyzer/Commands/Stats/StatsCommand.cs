using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CriuImage.Analyzer.Cli;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image stats IMAGE [--format text|json]</c>: bytes per domain, mappings per BO, a size histogram, the VA span.</summary>
internal static class StatsCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new StatsCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Image)!;
            return CommandErrors.RunAsync(path, std.Error, async () =>
            {
                using CommandInput input = CommandInput.Open(path, std, oneFile: true);
                if (!input.IsImage)
                {
                    await std.Error.WriteLineAsync(Printable.Escape(input.NotAnImage()));
                    return ExitCodes.Unusable;
                }

                await using ImageReader reader = input.OpenImage();
                var stats = new ImageStatistics(await reader.ReadHeaderAsync(cancellationToken));
                while (await reader.ReadFrameAsync(cancellationToken))
                {
                    Count(reader, stats);
                }

                if (parse.GetValue(command.Format) == "json")
                {
                    await std.Text.FlushAsync(cancellationToken);
                    WriteJson(path, stats, std.Output);
                }
                else
                {
                    await std.Text.WriteAsync(Text(path, stats));
                }

                return ExitCodes.Success;
            });
        });
        return command;
    }

    /// <summary>Counts the records of the frame just loaded, one at a time: a BO's mappings are never held together.</summary>
    private static void Count(ImageReader reader, ImageStatistics stats)
    {
        while (reader.TryReadRecord(out Format.RecordTag tag))
        {
            if (tag == Format.RecordTag.Bo)
            {
                stats.AddBo(reader.CurrentBo);
            }
            else
            {
                stats.AddMapping(reader.CurrentVm);
            }
        }
    }

    private static string Text(string path, ImageStatistics s)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        text.Append(Printable.Escape(path)).Append('\n');
        text.Append(c, $"  {Plural.Of(s.Bos, "BO")}, {Sizes.Humanize(s.BoBytes)} ({s.BoBytes} bytes); {Plural.Of(s.Mappings, "mapping")}, {Sizes.Humanize(s.MappedBytes)} mapped")
            .Append(s.InvalidMappings > 0 ? string.Create(c, $" ({s.InvalidMappings} not valid ranges, left out)") : "").Append('\n');
        if (s.LowestAddress is { } low && s.EndAddress is { } end)
        {
            text.Append(c, $"  va span: 0x{low:x16} to 0x{end:x} (exclusive), {Sizes.Humanize(end - low)}\n");
        }

        text.Append("\n  bytes per preferred domains\n");
        foreach ((string domains, (long bos, UInt128 bytes)) in s.BytesPerDomain)
        {
            text.Append(c, $"    {domains,-20} {bos,10} BOs  {Sizes.Humanize(bytes),10}\n");
        }

        Histogram(text, "mappings per BO", s.MappingsPerBo, k => k < 0 ? "0" : k == 0 ? "1" : $"{ImageStatistics.ClassStart(k)}-{ImageStatistics.ClassStart(k + 1) - 1}");
        text.Append(c, $"    (at most {s.MostMappings} mappings on one BO)\n");
        Histogram(text, "BO sizes", s.BoSizes, SizeClass);
        Histogram(text, "mapping sizes", s.MappingSizes, SizeClass);
        return text.ToString();
    }

    private static string SizeClass(int k) => k < 0 ? "0 B" : $"{Sizes.Humanize(ImageStatistics.ClassStart(k))}+";

    private static void Histogram(System.Text.StringBuilder text, string title, IReadOnlyDictionary<int, long> classes, Func<int, string> label)
    {
        text.Append("\n  ").Append(title).Append('\n');
        long most = classes.Count == 0 ? 1 : classes.Values.Max();
        foreach ((int k, long count) in classes)
        {
            int bar = (int)Math.Max(1, count * 40 / most);
            text.Append(CultureInfo.InvariantCulture, $"    {label(k),-20} {count,10}  {new string('#', bar)}\n");
        }
    }

    private static void WriteJson(string path, ImageStatistics s, Stream output)
    {
        using (var json = IO.JsonOutput.Create(output))
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteNumber("bos", s.Bos);
            json.WriteString("bo_bytes", s.BoBytes.ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("mappings", s.Mappings);
            json.WriteString("mapped_bytes", s.MappedBytes.ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("invalid_mappings", s.InvalidMappings);
            if (s.LowestAddress is { } low && s.EndAddress is { } end)
            {
                json.WriteStartObject("va_span");
                json.WriteString("start", $"0x{low:x}");
                json.WriteString("end", $"0x{end:x}");
                json.WriteString("bytes", (end - low).ToString(CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteStartArray("bytes_per_domain");
            foreach ((string domains, (long bos, UInt128 bytes)) in s.BytesPerDomain)
            {
                json.WriteStartObject();
                json.WriteString("domains", domains);
                json.WriteNumber("bos", bos);
                json.WriteString("bytes", bytes.ToString(CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            Classes(json, "mappings_per_bo", s.MappingsPerBo);
            json.WriteNumber("most_mappings_per_bo", s.MostMappings);
            Classes(json, "bo_sizes", s.BoSizes);
            Classes(json, "mapping_sizes", s.MappingSizes);
            json.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    /// <summary>Classes as <c>{"from", "count"}</c>: values from <c>from</c> up to the next class's <c>from</c>.</summary>
    private static void Classes(Utf8JsonWriter json, string name, IReadOnlyDictionary<int, long> classes)
    {
        json.WriteStartArray(name);
        foreach ((int k, long count) in classes)
        {
            json.WriteStartObject();
            json.WriteString("from", ImageStatistics.ClassStart(k).ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
