using System.CommandLine;
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

            (ImageHeader, List<BoEntry>)? a = null, b = null;
            int code = await CommandErrors.RunAsync(pathA, std.Error, async () => { a = await LoadAsync(std, pathA, cancellationToken); return ExitCodes.Success; });
            if (code != ExitCodes.Success)
            {
                return code;
            }

            code = await CommandErrors.RunAsync(pathB, std.Error, async () => { b = await LoadAsync(std, pathB, cancellationToken); return ExitCodes.Success; });
            if (code != ExitCodes.Success)
            {
                return code;
            }

            ImageDifference difference = ImageDifference.Compare(a!.Value.Item1, a.Value.Item2, b!.Value.Item1, b.Value.Item2);
            if (parse.GetValue(command.Format) == "json")
            {
                await std.Text.FlushAsync(cancellationToken);
                WriteJson(pathA, pathB, difference, std.Output);
            }
            else
            {
                await WriteTextAsync(pathA, pathB, difference, std.Text);
            }

            return ExitCodes.For(unreadable: false, findings: !difference.Equal);
        });
        return command;
    }

    private static async Task<(ImageHeader, List<BoEntry>)> LoadAsync(StandardStreams std, string path, CancellationToken cancellationToken)
    {
        using CommandInput input = CommandInput.Open(path, std, oneFile: true);
        if (!input.IsImage)
        {
            throw new InputRefusedException(input.NotAnImage());
        }

        await using ImageReader reader = input.OpenImage();
        ImageHeader header = await reader.ReadHeaderAsync(cancellationToken);
        var bos = new List<BoEntry>();
        await foreach (BoEntry entry in reader.ReadBosAsync(cancellationToken))
        {
            bos.Add(entry);
        }

        return (header, bos);
    }

    private static async Task WriteTextAsync(string a, string b, ImageDifference difference, TextWriter output)
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

        foreach (ItemDifference item in difference.Bos.Concat(difference.Mappings))
        {
            string line = item.Kind switch
            {
                "added" => $"+ {item.Key}: {string.Join(", ", item.Changes.Where(c => c.New is not null).Select(c => $"{c.Field} {c.New}"))}",
                "removed" => $"- {item.Key}: {string.Join(", ", item.Changes.Where(c => c.Old is not null).Select(c => $"{c.Field} {c.Old}"))}",
                _ => $"~ {item.Key}: {string.Join("; ", item.Changes.Select(c => $"{c.Field} {c.Old ?? "(none)"} -> {c.New ?? "(none)"}"))}",
            };
            await output.WriteLineAsync(Printable.Escape(line));
        }

        int count = difference.Header.Count + difference.Bos.Count + difference.Mappings.Count;
        await output.WriteLineAsync($"{count} {(count == 1 ? "difference" : "differences")}: {Count(difference.Bos, "bo")}; {Count(difference.Mappings, "mapping")}");
    }

    private static string Count(IReadOnlyList<ItemDifference> items, string noun) =>
        $"{noun}s {items.Count(i => i.Kind == "added")} added, {items.Count(i => i.Kind == "removed")} removed, {items.Count(i => i.Kind == "changed")} changed";

    private static void WriteJson(string a, string b, ImageDifference difference, Stream output)
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

    private static void WriteItems(Utf8JsonWriter json, string name, IReadOnlyList<ItemDifference> items)
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
