using System.Globalization;
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

    /// <summary>The fields both a KFD image and a render node begin with, all varints: 1, 2 and 3.</summary>
    private const uint SharedFields = 3;

    /// <summary>The most bytes a varint field takes: a key of up to 5 bytes and a value of up to 10.</summary>
    private const int MaxVarintField = 15;

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
    /// The words for a message file cut short before anything in it tells its kind, or null for any other file: its header
    /// says more bytes than follow, and all it holds past the header are whole varint fields 1, 2 and 3 in that order
    /// (at least the key of field 1), the last maybe cut inside its value. A KFD image starts with pid, num_of_gpus and
    /// num_of_cpus, a criu-dev or d5377d5d2 render node with gpu_id, id (pid) and drm_render_minor, all varints
    /// (criu-amdgpu.proto): nothing before field 4 tells them apart, so neither is named and neither reader is run.
    /// </summary>
    public static string? CutUntold(WireWindow file)
    {
        if (CriuHeader.Read(file.Head(CriuHeader.Size)) is not { } length || file.Length < CriuHeader.Size || length <= (ulong)(file.Length - CriuHeader.Size))
        {
            return null;
        }

        uint last = 0;
        long at = CriuHeader.Size;
        try
        {
            while (at < file.Length)
            {
                ProtobufReader reader = file.Field(at, file.Length);
                (uint number, int wire) = reader.ReadKey();
                if (number != last + 1 || number > SharedFields || wire != 0)
                {
                    return null;
                }

                last = number;
                reader.Skip(wire, number);
                at = reader.Offset;
            }
        }
        catch (ImageFormatException)
        {
            // A key and a varint take at most 15 bytes: a field that fails with more left is damage, not the cut.
            if (file.Length - at > MaxVarintField)
            {
                return null;
            }
        }

        return last == 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"a CRIU amdgpu file cut short at byte {file.Length}: the header says the message has {length} bytes, but only {file.Length - CriuHeader.Size} {(file.Length - CriuHeader.Size == 1 ? "follows" : "follow")} it, and its {last switch { 1 => "field 1 begins", 2 => "fields 1 and 2 begin", _ => "fields 1 to 3 begin" }} a KFD image and a render node alike, so which it is is not known (named amdgpu-kfd-<id>.img or amdgpu-renderD-<id>.img, it is read as that kind)");
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
