namespace CriuImage.Criu;

/// <summary>
/// Gives a <see cref="RawMessage"/>'s fields their schema meaning, collecting what protobuf-c would
/// refuse (a missing required field, a wire type other than the schema's) or change (a uint32 above
/// 32 bits) instead of stopping at the first: a report names all of them.
/// </summary>
internal readonly struct FieldReader(RawMessage message, CriuSchemas.Shape shape, List<CriuProblem> problems)
{
    public RawMessage Message => message;

    public ulong U64(uint number, string name)
    {
        if (Scalar(number, name) is not { } field)
        {
            return 0;
        }

        return field.Value;
    }

    public uint U32(uint number, string name)
    {
        if (Scalar(number, name) is not { } field)
        {
            return 0;
        }

        if (field.Value > uint.MaxValue)
        {
            problems.Add(new CriuProblem(CriuProblemKind.Truncated, field.Offset, $"{shape.Name}.{name} is {field.Value}, more than a uint32 holds: CRIU keeps its low 32 bits, {(uint)field.Value}"));
        }

        return (uint)field.Value;
    }

    public uint? OptionalU32(uint number, string name) => message.Has(number) || Array.IndexOf(shape.Required, number) >= 0 ? U32(number, name) : null;

    public ReadOnlyMemory<byte> Bytes(uint number, string name)
    {
        RawField? last = message.Last(number);
        if (last is not { } field)
        {
            Missing(number, name);
            return ReadOnlyMemory<byte>.Empty;
        }

        if (field.WireType != 2)
        {
            problems.Add(new CriuProblem(CriuProblemKind.Unpack, field.Offset, $"{shape.Name}.{name} (field {number}) is not length-delimited: protobuf-c's unpack fails"));
            return ReadOnlyMemory<byte>.Empty;
        }

        return message.Bytes(field);
    }

    public IEnumerable<RawMessage> Repeated(uint number, string name)
    {
        foreach (RawField field in message.Fields)
        {
            if (field.Number != number)
            {
                continue;
            }

            if (field.WireType != 2)
            {
                problems.Add(new CriuProblem(CriuProblemKind.Unpack, field.Offset, $"{shape.Name}.{name} (field {number}) is not a message: protobuf-c's unpack fails"));
                continue;
            }

            yield return message.Nested(field);
        }
    }

    /// <summary>The offset of a field's last occurrence, or of the message when it is missing.</summary>
    public long OffsetOf(uint number) => message.Last(number)?.Offset ?? message.Offset;

    private RawField? Scalar(uint number, string name)
    {
        RawField? last = message.Last(number);
        if (last is not { } field)
        {
            if (Array.IndexOf(shape.Required, number) >= 0)
            {
                Missing(number, name);
            }

            return null;
        }

        if (field.WireType != 0)
        {
            problems.Add(new CriuProblem(CriuProblemKind.Unpack, field.Offset, $"{shape.Name}.{name} (field {number}) is not a varint: protobuf-c's unpack fails"));
            return null;
        }

        return field;
    }

    private void Missing(uint number, string name) =>
        problems.Add(new CriuProblem(CriuProblemKind.Unpack, message.Offset, $"{shape.Name} lacks its required field {name} ({number}): protobuf-c's unpack fails"));
}
