using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CriuImage.IO;

/// <summary>
/// The one policy for the JSON the library writes (every report, the crit-style CRIU output, the image
/// interchange): indented, and text written as it is (the relaxed encoder: <c>'</c>, <c>+</c>, <c>&lt;</c> and
/// non-ASCII letters unescaped; quotes, backslashes and control characters escaped, as JSON requires), so that
/// every command says <c>criu-dev's</c> the same way.
/// </summary>
internal static class JsonOutput
{
    /// <summary>The writer options of every JSON output.</summary>
    public static JsonWriterOptions Options { get; } = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A writer to <paramref name="output"/> with <see cref="Options"/>.</summary>
    public static Utf8JsonWriter Create(Stream output) => new(output, Options);

    /// <summary>A writer to <paramref name="output"/> with <see cref="Options"/>.</summary>
    public static Utf8JsonWriter Create(IBufferWriter<byte> output) => new(output, Options);

    /// <summary>Hands what <paramref name="json"/> holds to its stream past 64 KiB, so a long report is written as it is made, not held whole.</summary>
    public static void FlushIfFull(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.BytesPending > 1 << 16)
        {
            json.Flush();
        }
    }

    /// <summary>Writes <paramref name="name"/>: <paramref name="value"/> when there is a value, nothing when there is none.</summary>
    public static void WriteOptional(Utf8JsonWriter json, string name, ulong? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    /// <summary>Writes <paramref name="name"/>: <paramref name="value"/> when there is a value, nothing when there is none.</summary>
    public static void WriteOptional(Utf8JsonWriter json, string name, long? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    /// <summary>Writes <paramref name="name"/>: <paramref name="value"/> when there is a value, nothing when there is none.</summary>
    public static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>Writes <paramref name="name"/>: an array of <paramref name="values"/>, in their order.</summary>
    public static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(values);
        json.WriteStartArray(name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
