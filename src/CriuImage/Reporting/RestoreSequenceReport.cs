using System.Text.Json;
using System.Text;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Kernel;
using CriuImage.Restore;

namespace CriuImage.Reporting;

/// <summary>
/// The restore calls of a dump and how its restore ends, as <c>plan</c> shows them: JSON in the shape of
/// docs/restore-calls.md, text one line per call.
/// </summary>
internal static class RestoreSequenceReport
{
    /// <summary>Bytes a JSON writer holds before they go to its stream.</summary>
    private const int FlushAt = 1 << 16;

    /// <summary>Writes the member <c>restore</c>: <c>{"criu", "contents", "calls": [...], "end": {...}, "differences": [...]}</c>.</summary>
    public static void WriteJson(RestoreSequence sequence, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject("restore");
        json.WriteString("criu", sequence.Criu.Name);
        if (sequence.CriuWhy.Length > 0)
        {
            json.WriteString("criu_from", sequence.CriuWhy);
        }

        json.WriteString("contents", sequence.Contents);
        if (sequence.ContentsWhy.Length > 0)
        {
            json.WriteString("contents_from", sequence.ContentsWhy);
        }

        if (sequence.OrderWhy.Length > 0)
        {
            json.WriteString("order_from", sequence.OrderWhy);
        }

        json.WriteStartArray("calls");
        ForEachCall(sequence, call =>
        {
            json.WriteStartObject();
            json.WriteString("call", call.Call);
            if (call.Request is { } request)
            {
                json.WriteString("request", $"0x{request:x8}");
            }

            json.WriteString("file", call.File);
            json.WriteNumber("pass", call.Pass);
            json.WriteStartObject("args");
            foreach (SequenceArgument argument in call.Args)
            {
                if (argument.Number is { } number)
                {
                    json.WriteNumber(argument.Name, number);
                }
                else
                {
                    json.WriteString(argument.Name, argument.Text);
                }
            }

            json.WriteEndObject();
            if (call.Ret is { } ret)
            {
                json.WriteNumber("ret", ret);
            }
            else
            {
                json.WriteNull("ret");
            }

            json.WriteEndObject();

            // A writer over a stream holds what it writes until flushed: millions of calls go out as they are written.
            if (json.BytesPending > FlushAt)
            {
                json.Flush();
            }
        });

        json.WriteEndArray();
        json.WritePropertyName("end");
        WriteEnding(json, sequence.End);
        json.WriteStartArray("differences");
        foreach (RestoreEnding difference in sequence.Differences)
        {
            WriteEnding(json, difference);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The sequence as text: a line naming the CRIU and the contents path, a line per call, the end and each difference.</summary>
    public static void WriteText(RestoreSequence sequence, StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var writer = new StringWriter(text, System.Globalization.CultureInfo.InvariantCulture);
        WriteText(sequence, writer);
    }

    /// <summary>Writes the sequence as <see cref="WriteText(RestoreSequence, StringBuilder)"/> does, a line at a time to <paramref name="text"/>.</summary>
    internal static void WriteText(RestoreSequence sequence, TextWriter text)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(text);
        text.Write($"restore by CRIU {sequence.Criu.Name} ({sequence.Contents} contents): {sequence.Calls.Count} calls, {sequence.End.How.Name()}\n");
        if (sequence.CriuWhy.Length > 0)
        {
            text.Write($"  CRIU: {sequence.CriuWhy}\n");
        }

        if (sequence.ContentsWhy.Length > 0)
        {
            text.Write($"  contents path: {sequence.ContentsWhy}\n");
        }

        if (sequence.OrderWhy.Length > 0)
        {
            text.Write($"  file order: {sequence.OrderWhy}\n");
        }

        int i = 0;
        ForEachCall(sequence, call =>
        {
            string request = call.Request is { } r ? $" 0x{r:x8}" : "";
            string args = string.Join(", ", call.Args.Select(a => a.Number is { } n ? $"{a.Name}={n}" : $"{a.Name}={a.Text}"));
            string ret = call.Ret is { } value ? value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
            text.Write($"  [{i++}] {(call.Pass == 0 ? "resume" : $"pass {call.Pass}")} {call.File}: {call.Call}{request} {{{args}}} = {ret}\n");
        });

        AppendEnding(text, "ends", sequence.End);
        foreach (RestoreEnding difference in sequence.Differences.Where(d => !ReferenceEquals(d, sequence.End)))
        {
            AppendEnding(text, "also", difference);
        }
    }

    /// <summary>Each call in order: made again by the replay where the sequence does not hold them, so none is kept.</summary>
    private static void ForEachCall(RestoreSequence sequence, Action<CriuCall> write)
    {
        if (sequence.Replay is { } replay)
        {
            replay(write);
            return;
        }

        foreach (CriuCall call in sequence.Calls)
        {
            write(call);
        }
    }

    private static void AppendEnding(TextWriter text, string label, RestoreEnding ending)
    {
        if (ending.How == RestoreEndKind.Restored)
        {
            text.Write($"  {label}: restored\n");
            return;
        }

        string at = ending.At is { } index ? $" at [{index}]" : "";
        string errno = ending.Errno is { } e ? $", {e}" : "";
        text.Write($"  {label}: {ending.How.Name()}{at} ({ending.Code?.Id}{errno}) in {ending.File}: {ending.Message} [{ending.Cause}]\n");
    }

    private static void WriteEnding(Utf8JsonWriter json, RestoreEnding ending)
    {
        json.WriteStartObject();
        json.WriteString("how", ending.How.Name());
        JsonOutput.WriteOptional(json, "at", ending.At);

        if (ending.Code is { } code)
        {
            json.WriteString("code", code.Id);
        }

        JsonOutput.WriteOptional(json, "errno", ending.Errno);
        JsonOutput.WriteOptional(json, "file", ending.File);

        if (ending.Cause.Length > 0)
        {
            json.WriteString("cause", ending.Cause);
        }

        json.WriteString("message", ending.Message);
        json.WriteEndObject();
    }
}
