using System.Text;
using System.Text.Json;

namespace CriuImage.Json;

/// <summary>
/// A <see cref="Utf8JsonReader"/> over a document that may have been resumed part-way (its token indexes
/// are then relative to the resume point), with the reads the interchange shape needs and errors that
/// carry the absolute line and column.
/// </summary>
internal ref struct JsonCursor
{
    private readonly ReadOnlySpan<byte> _document;
    private readonly long _base;
    private Utf8JsonReader _reader;

    /// <summary>Reads strict JSON (no comments, no trailing commas) from <paramref name="document"/>, resuming at byte <paramref name="resumeAt"/> with <paramref name="state"/>.</summary>
    public JsonCursor(ReadOnlySpan<byte> document, long resumeAt = 0, JsonReaderState state = default)
    {
        _document = document;
        _base = resumeAt;
        _reader = new Utf8JsonReader(document[(int)resumeAt..], isFinalBlock: true, state);
    }

    /// <summary>Absolute offset of the first byte not yet consumed.</summary>
    public readonly long Consumed => _base + _reader.BytesConsumed;

    /// <summary>The reader's state, to resume with.</summary>
    public readonly JsonReaderState State => _reader.CurrentState;

    /// <summary>Absolute offset of the current token.</summary>
    public readonly long TokenStart => _base + _reader.TokenStartIndex;

    /// <summary>The current token's type.</summary>
    public readonly JsonTokenType TokenType => _reader.TokenType;

    /// <summary>Moves to the next token; the document must not end here.</summary>
    public void Read()
    {
        try
        {
            if (!_reader.Read())
            {
                throw ErrorAt(_document.Length, "the document ends too early");
            }
        }
        catch (JsonException e)
        {
            throw Syntax(e);
        }
    }

    /// <summary>Skips the value at the current token (the property name before it, if that is the current token).</summary>
    public void Skip()
    {
        try
        {
            _reader.Skip();
        }
        catch (JsonException e)
        {
            throw Syntax(e);
        }
    }

    /// <summary>True when the current token is a property name or string equal to <paramref name="utf8"/>.</summary>
    public readonly bool ValueIs(ReadOnlySpan<byte> utf8) => _reader.ValueTextEquals(utf8);

    /// <summary>Checks the current token's type.</summary>
    public readonly void Expect(JsonTokenType type, string what)
    {
        if (_reader.TokenType != type)
        {
            throw Error($"expected {what}, found {Describe(_reader.TokenType)}");
        }
    }

    /// <summary>Reads the next property name of an object, rejecting duplicates; null at the object's end.</summary>
    public string? ReadKey(HashSet<string> seen, string where)
    {
        Read();
        if (_reader.TokenType == JsonTokenType.EndObject)
        {
            return null;
        }

        string key = _reader.GetString()!;
        return seen.Add(key) ? key : throw Error($"the key \"{key}\" appears twice in {where}");
    }

    /// <summary>Reads a number that must be a non-negative integer of at most <paramref name="max"/>, written without fraction or exponent.</summary>
    public ulong ReadUInt64(string field, ulong max)
    {
        Read();
        if (_reader.TokenType != JsonTokenType.Number)
        {
            throw Error($"expected {field} as an unsigned integer, found {Describe(_reader.TokenType)}");
        }

        ReadOnlySpan<byte> text = _reader.ValueSpan;
        if (text.IndexOfAny("-.eE"u8) >= 0 || !_reader.TryGetUInt64(out ulong value))
        {
            throw Error($"{field} is {Encoding.UTF8.GetString(text)}, not an unsigned 64-bit integer");
        }

        return value <= max ? value : throw Error($"{field} is {value}, more than its largest value {max}");
    }

    /// <summary>Reads a string value.</summary>
    public string ReadString(string field)
    {
        Read();
        return _reader.TokenType == JsonTokenType.String
            ? _reader.GetString()!
            : throw Error($"expected {field} as a string, found {Describe(_reader.TokenType)}");
    }

    /// <summary>An error at the current token.</summary>
    public readonly InterchangeException Error(string detail) => ErrorAt(TokenStart, detail);

    /// <summary>An error at absolute offset <paramref name="index"/>, turned into a line and column.</summary>
    public readonly InterchangeException ErrorAt(long index, string detail)
    {
        ReadOnlySpan<byte> before = _document[..(int)Math.Min(index, _document.Length)];
        int line = before.Count((byte)'\n') + 1;
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        return new InterchangeException(line, before.Length - lineStart + 1, detail);
    }

    private readonly InterchangeException Syntax(JsonException e)
    {
        // The reader's own line numbers restart where it was resumed: count from the absolute offset instead.
        string message = e.Message;
        int end = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        string reason = end > 0 ? message[..end].TrimEnd() : message;
        return ErrorAt(Consumed, $"not valid JSON: {reason}");
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.EndArray => "the end of an array",
        JsonTokenType.EndObject => "the end of an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };
}
