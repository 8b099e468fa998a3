using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CriuImage.Analyzer.Cli;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image diff A B [--format text|json]</c>: what changed between two images; exit 0 equal, 1 different, 2 error, like diff(1).</summary>
internal static class DiffCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new DiffCommandDefinition();
        command.SetAction(async (parse, cancellationToken) =>
        {
            string pathA = parse.GetValue(command.First)!;
            string pathB = parse.GetValue(command.Second)!;
            if (await CommandErrors.StandardInputTwiceAsync([pathA, pathB], std.Error))
            {
                return ExitCodes.Unusable;
            }

            DiffSide? a = null, b = null;
            try
            {
                int code = await CommandErrors.RunAsync(pathA, std.Error, async () => { a = await ReadAsync(std, pathA, cancellationToken); return ExitCodes.Success; });
                if (code != ExitCodes.Success)
                {
                    return code;
                }

                code = await CommandErrors.RunAsync(pathB, std.Error, async () => { b = await ReadAsync(std, pathB, cancellationToken); return ExitCodes.Success; });
                if (code != ExitCodes.Success)
                {
                    return code;
                }

                // Both inputs are read and checked before a line is written; the differences are then merged as written.
                try
                {
                    var differences = new DifferenceStream(ImageDifference.Compare(a!, b!));
                    if (parse.GetValue(command.Format) == "json")
                    {
                        await std.Text.FlushAsync(cancellationToken);
                        WriteJson(pathA, pathB, differences, std.Output);
                    }
                    else
                    {
                        await WriteTextAsync(pathA, pathB, differences, std.Text);
                    }

                    return ExitCodes.For(unreadable: false, findings: !differences.Equal);
                }
                catch (IOException e) when (e is not OutputException)
                {
                    // The runs spilled to the temporary folder could not be read back: neither input is at fault.
                    await std.Error.WriteLineAsync(Printable.Escape($"criu-image: error: {IO.IoMessages.Of(e)}"));
                    return ExitCodes.Unusable;
                }
            }
            finally
            {
                a?.Dispose();
                b?.Dispose();
            }
        });
        return command;
    }

    private static async Task<DiffSide> ReadAsync(StandardStreams std, string path, CancellationToken cancellationToken)
    {
        using CommandInput input = CommandInput.Open(path, std, oneFile: true);
        if (!input.IsImage)
        {
            throw new InputRefusedException(input.NotAnImage());
        }

        await using ImageReader reader = input.OpenImage();
        return await DiffSide.ReadAsync(reader, cancellationToken);
    }

    private static async Task WriteTextAsync(string a, string b, DifferenceStream difference, TextWriter output)
    {
        if (difference.Equal)
        {
            return;
        }

        await output.WriteLineAsync(Printable.Escape($"--- {a}"));
        await output.WriteLineAsync(Printable.Escape($"+++ {b}"));
        foreach (FieldChange change in difference.Header)
        {
            await output.WriteLineAsync(Printable.Escape($"~ header {change.Field}: {change.Old ?? "(none)"} -> {change.New ?? "(none)"}"));
        }

        var bos = new KindCounts();
        var mappings = new KindCounts();
        foreach (ItemDifference item in difference.Bos.Select(bos.Count).Concat(difference.Mappings.Select(mappings.Count)))
        {
            string line = item.Kind switch
            {
                "added" => $"+ {item.Key}: {string.Join(", ", item.Changes.Where(c => c.New is not null).Select(c => $"{c.Field} {c.New}"))}",
                "removed" => $"- {item.Key}: {string.Join(", ", item.Changes.Where(c => c.Old is not null).Select(c => $"{c.Field} {c.Old}"))}",
                _ => $"~ {item.Key}: {string.Join("; ", item.Changes.Select(c => $"{c.Field} {c.Old ?? "(none)"} -> {c.New ?? "(none)"}"))}",
            };
            await output.WriteLineAsync(Printable.Escape(line));
        }

        long count = difference.Header.Count + bos.All + mappings.All;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? "difference" : "differences")}: {bos.Line("bo")}; {mappings.Line("mapping")}"));
    }

    private static void WriteJson(string a, string b, DifferenceStream difference, Stream output)
    {
        using (var json = IO.JsonOutput.Create(output))
        {
            json.WriteStartObject();
            json.WriteString("a", a);
            json.WriteString("b", b);
            json.WriteBoolean("equal", difference.Equal);
            json.WriteStartArray("header");
            foreach (FieldChange change in difference.Header)
            {
                WriteChange(json, change);
            }

            json.WriteEndArray();
            WriteItems(json, "bos", difference.Bos);
            WriteItems(json, "mappings", difference.Mappings);
            json.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    private static void WriteItems(Utf8JsonWriter json, string name, IEnumerable<ItemDifference> items)
    {
        json.WriteStartArray(name);
        foreach (ItemDifference item in items)
        {
            json.WriteStartObject();
            json.WriteString("kind", item.Kind);
            json.WriteString("key", item.Key);
            json.WriteStartArray("fields");
            foreach (FieldChange change in item.Changes)
            {
                WriteChange(json, change);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            IO.JsonOutput.FlushIfFull(json);
        }

        json.WriteEndArray();
    }

    private static void WriteChange(Utf8JsonWriter json, FieldChange change)
    {
        json.WriteStartObject();
        json.WriteString("field", change.Field);
        json.WriteString("a", change.Old);
        json.WriteString("b", change.New);
        json.WriteEndObject();
    }
}
