using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// A CRIU message file whose name says nothing (standard input, <c>&lt;(...)</c>, a file under another name) that
/// neither reader takes, told by the shape of the fields it does hold: a KFD image cut short, with a field of the
/// wrong wire type or a length past its end, is still a KFD image, and its damage is said as when it is named,
/// not "neither a criu-image nor a CRIU amdgpu file". Only what one kind writes tells it: a field 4 that is a
/// message is a KFD image's device_entries (a render node's field 4 is num_of_bos, a varint); a field 5 that is a
/// message is a render node's bo_entries (a KFD image's field 5 is num_of_bos). Tried before a render node read
/// with problems is taken: a KFD image read as a render node fits criu-dev's with a problem per field.
/// </summary>
/// <param name="Kind">The kind told.</param>
/// <param name="Error">What the reader of that kind says of the file.</param>
internal sealed record DamagedCriuFile(CriuFileKind Kind, ImageFormatException Error)
{
    /// <summary>Field numbers above this are in neither message (criu_kfd's last is priv_data, 10).</summary>
    private const uint LastField = 10;

    /// <summary>
    /// The kind <paramref name="file"/> is shaped as, read by that kind's reader: the message with its problems where
    /// the reader reads it, a <see cref="DamagedCriuFile"/> where it throws; null when its fields tell no kind.
    /// </summary>
    public static object? Tell(WireWindow file)
    {
        CriuFileKind? kind = Shape(file);
        try
        {
            return kind switch
            {
                CriuFileKind.KfdImage => CriuFileReader.Lax.ReadKfd(file),
                CriuFileKind.RenderNode => CriuFileReader.Lax.ReadRenderNode(file),
                _ => null,
            };
        }
        catch (ImageFormatException e)
        {
            return new DamagedCriuFile(kind!.Value, e);
        }
    }

    /// <summary>
    /// The kind the top-level fields point to, walked as far as the file holds them (to the header's length, or the
    /// file's end when it is cut short) and up to the first field that cannot be read; protobuf-c writes fields in
    /// their numbers' order, so a field number that goes back, or one neither message has, tells nothing.
    /// </summary>
    private static CriuFileKind? Shape(WireWindow file)
    {
        // The header of a file cut short still gives the whole message's length, which a reader holds in an int.
        if (CriuHeader.Read(file.Head(CriuHeader.Size)) is not { } length || length is 0 or > int.MaxValue)
        {
            return null;
        }

        long end = CriuHeader.Size + (long)Math.Min(length, (ulong)Math.Max(0, file.Length - CriuHeader.Size));
        uint last = 0;
        int? field4 = null;
        bool field5Message = false;
        try
        {
            for (long at = CriuHeader.Size; at < end;)
            {
                ProtobufReader reader = file.Field(at, end);
                (uint number, int wire) = reader.ReadKey();
                // Both messages start with their field 1 (pid, gpu_id: required, so protobuf-c always writes it first).
                if (number > LastField || number < last || (last == 0 && number != 1))
                {
                    return null;
                }

                last = number;
                field4 ??= number == 4 ? wire : null;
                field5Message |= number == 5 && wire == 2;
                reader.Skip(wire, number);
                at = reader.Offset;
            }
        }
        catch (ImageFormatException)
        {
            // Damage ends the walk: what was read before it tells the kind.
        }

        // Both a message: one of the two fields has the wrong wire type, and which one tells nothing.
        return field4 == 2 && !field5Message ? CriuFileKind.KfdImage
            : field4 != 2 && field5Message && last <= 7 ? CriuFileKind.RenderNode
            : null;
    }
}
