using System.Text;
using System.Text.Json;
using CriuImage.Format;

namespace CriuImage.Json;

/// <summary>
/// A <see cref="Utf8JsonReader"/> over a <see cref="JsonSource"/>, refilled as it goes, with the reads the
/// interchange shape needs and errors that carry the absolute line and column. Strict JSON: no comments, no
/// trailing commas, one value with nothing but whitespace after it.
/// </summary>
internal ref struct JsonCursor
{
    private readonly JsonSource _source;
    private long _base;
    private int _spanLength;
    private Utf8JsonReader _reader;

    /// <summary>Resumes reading <paramref name="source"/> where it was left.</summary>
    public JsonCursor(JsonSource source)
    {
        _source = source;
        _base = source.UnconsumedOffset;
        _spanLength = source.Unconsumed.Length;
        _reader = new Utf8JsonReader(source.Unconsumed, source.Final, source.State);
    }

    /// <summary>Absolute offset of the current token.</summary>
    public readonly long TokenStart => _base + _reader.TokenStartIndex;

    /// <summary>The current token's type.</summary>
    public readonly JsonTokenType TokenType => _reader.TokenType;

    /// <summary>Hands what was read back to the source, so that a later cursor resumes after it.</summary>
    public readonly void Save() => _source.Consume(_reader.BytesConsumed, _reader.CurrentState);

    /// <summary>Moves to the next token; the document must not end here.</summary>
    public void Read()
    {
        if (!TryRead())
        {
            throw _source.ErrorAt(_base + _reader.BytesConsumed, "the document ends too early");
        }
    }

    /// <summary>
    /// After the top-level object: checks that nothing but whitespace follows it, to the end of the input.
    /// </summary>
    public void ExpectEnd()
    {
        while (true)
        {
            try
            {
                if (_reader.Read())
                {
                    throw _source.ErrorAt(TokenStart, "text follows the JSON object: the document is one object with nothing after it");
                }
            }
            catch (JsonException)
            {
                throw _source.ErrorAt(_base + _reader.BytesConsumed, "text follows the JSON object: the document is one object with nothing after it");
            }

            if (_source.Final)
            {
                return;
            }

            Refill();
        }
    }

    /// <summary>Skips the value that starts at the current token (an object or array with everything in it).</summary>
    public void SkipValue()
    {
        if (_reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        int depth = _reader.CurrentDepth;
        do
        {
            Read();
        }
        while (_reader.CurrentDepth > depth || _reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray));
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

        string key = GetString();
        return seen.Add(key) ? key : throw Error($"the key \"{Quote.Text(key)}\" appears twice in {where}");
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
            throw Error($"{field} is {Quote.Text(Encoding.UTF8.GetString(text))}, not an unsigned 64-bit integer");
        }

        return value <= max ? value : throw Error($"{field} is {value}, more than its largest value {max}");
    }

    /// <summary>Reads a string value.</summary>
    public string ReadString(string field)
    {
        Read();
        return _reader.TokenType == JsonTokenType.String
            ? GetString()
            : throw Error($"expected {field} as a string, found {Describe(_reader.TokenType)}");
    }

    /// <summary>The line and column of the current token, to report an error about it later.</summary>
    public readonly (long Line, long Column) Mark() => _source.Locate(TokenStart);

    /// <summary>An error at the current token.</summary>
    public readonly InterchangeException Error(string detail) => _source.ErrorAt(TokenStart, detail);

    private string GetString()
    {
        try
        {
            return _reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8, or an escaped surrogate (\uD800-\uDFFF) without its pair: not text at all.
            throw Error("a string that is not valid Unicode: invalid UTF-8, or a \\uD800-\\uDFFF escape without its pair");
        }
    }

    private bool TryRead()
    {
        // Whitespace is consumed without a token: bound it too, or endless whitespace would be read forever.
        long from = _base + _reader.BytesConsumed;
        while (true)
        {
            try
            {
                if (_reader.Read())
                {
                    return true;
                }
            }
            catch (JsonException e)
            {
                throw Syntax(e);
            }

            if (_source.Final)
            {
                return false;
            }

            if (_base + _spanLength - from > JsonSource.MaxToken)
            {
                // Point at the overlong token itself, past the separators before it.
                int skip = from >= _base ? _source.Unconsumed[(int)(from - _base)..].IndexOfAnyExcept(" \t\r\n,:"u8) : -1;
                throw _source.ErrorAt(skip < 0 ? from : from + skip, $"more than {JsonSource.MaxToken} bytes without a complete JSON token (a string, number or run of whitespace this long is not an interchange document)");
            }

            Refill();
        }
    }

    private void Refill()
    {
        Save();
        _source.Refill();
        _base = _source.UnconsumedOffset;
        _spanLength = _source.Unconsumed.Length;
        _reader = new Utf8JsonReader(_source.Unconsumed, _source.Final, _source.State);
    }

    private readonly InterchangeException Syntax(JsonException e)
    {
        if (_reader.TokenType == JsonTokenType.None && _source.Final && _source.Unconsumed.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            // Nothing but whitespace, /dev/null included: said as every reader says an empty input.
            return _source.ErrorAt(_base + _reader.BytesConsumed, "empty: nothing to read (no JSON value in it)");
        }

        // The reader's own line numbers restart at every refill: count from the absolute offset instead.
        string message = e.Message;
        int end = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        string reason = end > 0 ? message[..end].TrimEnd() : message;
        return _source.ErrorAt(_base + _reader.BytesConsumed, $"not valid JSON: {Quote.Text(reason)}");
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
