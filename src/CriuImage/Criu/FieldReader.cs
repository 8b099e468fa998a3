using System.Runtime.CompilerServices;

namespace CriuImage.Criu;

/// <summary>
/// The scalar fields of one message as one walk of its wire finds them: which fields occur (any wire
/// type, for telling revisions apart), the last value of each varint field (protobuf-c keeps the last) and
/// where it is. Nothing is allocated while nothing is wrong: what protobuf-c would refuse (a wire type
/// other than the schema's, a missing required field) or change (a uint32 above 32 bits) becomes a
/// <see cref="CriuProblem"/> in <see cref="Finish"/>, named by the shape the message is finally read with.
/// </summary>
/// <param name="values">Scratch for the values, index = field number; its length bounds the numbers read.</param>
/// <param name="at">Scratch for the fields' offsets, as long as <paramref name="values"/>.</param>
/// <param name="varints">The fields read as varints (bit n: field n).</param>
internal ref struct FieldReader(Span<ulong> values, Span<long> at, ulong varints)
{
    private readonly Span<ulong> _values = values;
    private readonly Span<long> _at = at;
    private List<(uint Number, long At, WireMismatch What)>? _wrong;
    private ulong _read;

    /// <summary>What a field of the wrong wire type should have been.</summary>
    public enum WireMismatch
    {
        /// <summary>A varint.</summary>
        Varint,

        /// <summary>Length-delimited bytes.</summary>
        Bytes,

        /// <summary>A nested message.</summary>
        Message,
    }

    /// <summary>The fields that occur, bit n for field n (numbers above 63 are not tracked: no schema has them).</summary>
    public ulong Present { get; private set; }

    /// <summary>Offset of the message's first byte in the file.</summary>
    public long Offset { get; private set; }

    /// <summary>Starts a message at <paramref name="offset"/>.</summary>
    public void Begin(long offset)
    {
        Present = 0;
        _read = 0;
        Offset = offset;
        _values.Clear();
        _wrong?.Clear();
    }

    /// <summary>Reads a whole message of scalar fields: <see cref="Begin"/> at its start, then each field through <see cref="Take"/>.</summary>
    public void ReadAll(ref ProtobufReader reader)
    {
        Begin(reader.Offset);
        while (!reader.End)
        {
            long fieldAt = reader.Offset;
            (uint number, int wire) = reader.ReadKey();
            Take(ref reader, number, wire, fieldAt);
        }
    }

    /// <summary>
    /// Reads on, in a message begun with <see cref="Begin"/>, to the next occurrence of its repeated message field
    /// <paramref name="nested"/>, taking every other field: true with <paramref name="reader"/> at that occurrence's
    /// length (read it with <see cref="ProtobufReader.ReadMessage"/>), false at the end of the message. An occurrence
    /// of another wire type is kept as wrong and skipped, as protobuf-c refuses it.
    /// </summary>
    public bool NextNested(ref ProtobufReader reader, uint nested)
    {
        while (!reader.End)
        {
            long fieldAt = reader.Offset;
            (uint number, int wire) = reader.ReadKey();
            if (number != nested)
            {
                Take(ref reader, number, wire, fieldAt);
                continue;
            }

            Mark(nested);
            if (wire != 2)
            {
                Wrong(nested, fieldAt, WireMismatch.Message);
                reader.Skip(wire, number);
                continue;
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// Takes a field whose key was just read: a varint field's value is kept; a varint field with another
    /// wire type is kept as wrong; any other field is skipped (the caller takes its nested and bytes fields first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Take(ref ProtobufReader reader, uint number, int wire, long fieldAt)
    {
        Mark(number);
        if (number < (uint)_values.Length && (varints & (1UL << (int)number)) != 0)
        {
            if (wire == 0)
            {
                _values[(int)number] = reader.ReadVarint(number, null);
                _at[(int)number] = fieldAt;
                _read |= 1UL << (int)number;
                return;
            }

            Wrong(number, fieldAt, WireMismatch.Varint);
        }

        reader.Skip(wire, number);
    }

    /// <summary>Notes that field <paramref name="number"/> occurs (for fields the caller reads itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mark(uint number)
    {
        if (number < 64)
        {
            Present |= 1UL << (int)number;
        }
    }

    /// <summary>Notes a field of the wrong wire type, to be told in <see cref="Finish"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Wrong(uint number, long fieldAt, WireMismatch what) => (_wrong ??= []).Add((number, fieldAt, what));

    /// <summary>True when field <paramref name="number"/> occurs.</summary>
    public readonly bool Has(uint number) => number < 64 && (Present & (1UL << (int)number)) != 0;

    /// <summary>The last varint value of field <paramref name="number"/> (0 when it has none).</summary>
    public readonly ulong U64(uint number) => _values[(int)number];

    /// <summary>The low 32 bits of <see cref="U64"/>, as protobuf-c keeps them.</summary>
    public readonly uint U32(uint number) => (uint)_values[(int)number];

    /// <summary>The offset of the field's last varint, or of the message when it has none.</summary>
    public readonly long OffsetOf(uint number) => number < 64 && (_read & (1UL << (int)number)) != 0 ? _at[(int)number] : Offset;

    /// <summary>
    /// Adds what protobuf-c would make of the message read with <paramref name="shape"/>: fields of the wrong
    /// wire type, required fields missing, uint32 fields above 32 bits. Allocates only when there is one.
    /// </summary>
    public readonly void Finish(CriuSchemas.Shape shape, List<CriuProblem> problems)
    {
        if (_wrong is { Count: > 0 })
        {
            foreach ((uint number, long fieldAt, WireMismatch what) in _wrong)
            {
                string expected = what switch
                {
                    WireMismatch.Varint => "a varint",
                    WireMismatch.Bytes => "length-delimited",
                    _ => "a message",
                };
                problems.Add(new CriuProblem(CriuProblemKind.Unpack, fieldAt, $"{shape.Name}.{shape.NameOf(number)} (field {number}) is not {expected}: protobuf-c's unpack fails"));
            }
        }

        if ((shape.Required & ~Present) != 0)
        {
            Missing(shape, problems);
        }

        ulong wide = 0;
        for (ulong fields = shape.Uint32 & _read; fields != 0; fields &= fields - 1)
        {
            int number = System.Numerics.BitOperations.TrailingZeroCount(fields);
            if (_values[number] > uint.MaxValue)
            {
                wide |= 1UL << number;
            }
        }

        if (wide != 0)
        {
            Wide(shape, wide, problems);
        }
    }

    private readonly void Missing(CriuSchemas.Shape shape, List<CriuProblem> problems)
    {
        for (ulong fields = shape.Required & ~Present; fields != 0; fields &= fields - 1)
        {
            uint number = (uint)System.Numerics.BitOperations.TrailingZeroCount(fields);
            problems.Add(new CriuProblem(CriuProblemKind.Unpack, Offset, $"{shape.Name} lacks its required field {shape.NameOf(number)} ({number}): protobuf-c's unpack fails"));
        }
    }

    private readonly void Wide(CriuSchemas.Shape shape, ulong wide, List<CriuProblem> problems)
    {
        for (; wide != 0; wide &= wide - 1)
        {
            int number = System.Numerics.BitOperations.TrailingZeroCount(wide);
            ulong value = _values[number];
            problems.Add(new CriuProblem(CriuProblemKind.Truncated, _at[number], $"{shape.Name}.{shape.NameOf((uint)number)} is {value}, more than a uint32 holds: CRIU keeps its low 32 bits, {(uint)value}"));
        }
    }
}
