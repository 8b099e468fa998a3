using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>One field of a message as the wire has it: number, wire type, and its value or bytes.</summary>
/// <param name="Number">Field number.</param>
/// <param name="WireType">0 varint, 1 64-bit, 2 length-delimited, 5 32-bit.</param>
/// <param name="Value">The varint or fixed value (wire types 0, 1, 5).</param>
/// <param name="Start">Length-delimited: index of the first byte of the contents in the message's buffer.</param>
/// <param name="Length">Length-delimited: byte count.</param>
/// <param name="Offset">Offset of the field's key in the file.</param>
internal readonly record struct RawField(uint Number, int WireType, ulong Value, int Start, int Length, long Offset);

/// <summary>
/// A message read field by field without a schema, so that the revision can be told from which fields
/// are there before any field is given a meaning. Wire damage (a cut varint, a length past the end, a
/// wire type proto2 does not have) is an <see cref="ImageFormatException"/>, as it makes protobuf-c's
/// unpack fail.
/// </summary>
internal sealed class RawMessage
{
    private readonly ReadOnlyMemory<byte> _buffer;

    private RawMessage(ReadOnlyMemory<byte> buffer, long offset, List<RawField> fields)
    {
        _buffer = buffer;
        Offset = offset;
        Fields = fields;
    }

    /// <summary>Offset of the message's first byte in the file.</summary>
    public long Offset { get; }

    /// <summary>Fields in wire order.</summary>
    public List<RawField> Fields { get; }

    public static RawMessage Parse(ReadOnlyMemory<byte> buffer, long offset)
    {
        var fields = new List<RawField>();
        var reader = new ProtobufReader(buffer.Span, offset);
        while (!reader.End)
        {
            long at = reader.Offset;
            (uint number, int wire) = reader.ReadKey();
            switch (wire)
            {
                case 0:
                    fields.Add(new RawField(number, 0, reader.ReadVarint($"field {number}"), 0, 0, at));
                    break;
                case 2:
                    ProtobufReader inner = reader.ReadMessage($"field {number}");
                    int start = (int)(inner.Offset - offset);
                    fields.Add(new RawField(number, 2, 0, start, (int)(reader.Offset - inner.Offset), at));
                    break;
                case 1 or 5:
                    long skipFrom = reader.Offset;
                    reader.Skip(wire, number);
                    ulong value = 0;
                    ReadOnlySpan<byte> raw = buffer.Span.Slice((int)(skipFrom - offset), wire == 1 ? 8 : 4);
                    for (int i = raw.Length - 1; i >= 0; i--)
                    {
                        value = (value << 8) | raw[i];
                    }

                    fields.Add(new RawField(number, wire, value, 0, 0, at));
                    break;
                default:
                    reader.Skip(wire, number);
                    break;
            }
        }

        return new RawMessage(buffer, offset, fields);
    }

    /// <summary>True when field <paramref name="number"/> occurs.</summary>
    public bool Has(uint number)
    {
        foreach (RawField f in Fields)
        {
            if (f.Number == number)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The last occurrence of a field (protobuf-c keeps the last value of a repeated scalar).</summary>
    public RawField? Last(uint number)
    {
        RawField? last = null;
        foreach (RawField f in Fields)
        {
            if (f.Number == number)
            {
                last = f;
            }
        }

        return last;
    }

    /// <summary>The contents of a length-delimited field.</summary>
    public ReadOnlyMemory<byte> Bytes(RawField field) => _buffer.Slice(field.Start, field.Length);

    /// <summary>A length-delimited field read as a message.</summary>
    public RawMessage Nested(RawField field) => Parse(Bytes(field), Offset + field.Start);
}
