using System.Text.Json;
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

        if (sequence.TaskOrdersWhy.Length > 0)
        {
            json.WriteString("task_orders", sequence.TaskOrdersWhy);
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

    /// <summary>The sequence as text: a line naming the CRIU and the contents path, a line per call (written as it is made), the end and each difference.</summary>
    internal static void WriteText(RestoreSequence sequence, Utf8LineWriter text)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(text);
        text.Line($"restore by CRIU {sequence.Criu.Name} ({sequence.Contents} contents): {sequence.Calls.Count} calls, {sequence.End.How.Name()}");
        if (sequence.CriuWhy.Length > 0)
        {
            text.Line($"  CRIU: {sequence.CriuWhy}");
        }

        if (sequence.ContentsWhy.Length > 0)
        {
            text.Line($"  contents path: {sequence.ContentsWhy}");
        }

        if (sequence.OrderWhy.Length > 0)
        {
            text.Line($"  file order: {sequence.OrderWhy}");
        }

        if (sequence.TaskOrdersWhy.Length > 0)
        {
            text.Line($"  task orders: {sequence.TaskOrdersWhy}");
        }

        long i = 0;
        ForEachCall(sequence, call => WriteCall(text, i++, call));
        AppendEnding(text, "ends", sequence.End);
        foreach (RestoreEnding difference in sequence.Differences.Where(d => !ReferenceEquals(d, sequence.End)))
        {
            AppendEnding(text, "also", difference);
        }
    }

    /// <summary><c>  [INDEX] pass N FILE: CALL 0xREQUEST {name=value, ...} = RET</c>.</summary>
    private static void WriteCall(Utf8LineWriter text, long index, CriuCall call)
    {
        text.Ascii("  ["u8).Decimal(index).Ascii("] "u8);
        if (call.Pass == 0)
        {
            text.Ascii("resume"u8);
        }
        else
        {
            text.Ascii("pass "u8).Decimal(call.Pass);
        }

        text.Ascii(" "u8).Text(call.File).Ascii(": "u8).Text(call.Call);
        if (call.Request is { } request)
        {
            text.Ascii(" 0x"u8).Hex8(request);
        }

        text.Ascii(" {"u8);
        for (int a = 0; a < call.Args.Count; a++)
        {
            SequenceArgument argument = call.Args[a];
            if (a > 0)
            {
                text.Ascii(", "u8);
            }

            text.Text(argument.Name).Ascii("="u8);
            _ = argument.Number is { } number ? text.Decimal(number) : text.Text(argument.Text ?? "");
        }

        text.Ascii("} = "u8);
        // A refused call without a return is one the kernel oopsed in: it never returns to CRIU.
        _ = call.Ret is { } ret ? text.Decimal(ret) : text.Ascii(call.Args.Any(a => a.Name == "refused_by") ? "never returns (kernel oops)"u8 : "unknown"u8);
        text.EndLine();
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

    private static void AppendEnding(Utf8LineWriter text, string label, RestoreEnding ending)
    {
        if (ending.How == RestoreEndKind.Restored)
        {
            text.Line($"  {label}: restored");
            return;
        }

        string at = ending.At is { } index ? $" at [{index}]" : "";
        string errno = ending.Errno is { } e ? $", {e}" : "";
        string code = ending.Code is null && errno.Length == 0 ? "" : $" ({ending.Code?.Id}{errno})";
        text.Line($"  {label}: {ending.How.Name()}{at}{code} in {ending.File}: {ending.Message} [{ending.Cause}]");
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
