using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// The kind of a CRIU message file whose name says nothing, told from the keys of its first top-level fields alone: no
/// value is read, so a KFD image or render node of 10^6 BOs given to a command that only names it (stats, diff) costs a
/// few reads of its start, where reading it took its BO values (127 MiB for a KFD image of 10^6 BOs on standard input).
/// Both messages begin with three varints (criu-amdgpu.proto: pid, num_of_gpus, num_of_cpus; gpu_id, id,
/// drm_render_minor); after them only a KFD image has length-delimited fields 4 (device_entries), 6 (bo_entries) and 10
/// (priv_data), only a render node fields 5 (bo_entries) and, in d5377d5d2, 7 (priv_data); protobuf-c writes every
/// field in its number's order, so each file of either kind larger than <see cref="PrefixBytes"/> has one of them within
/// its first hundred bytes.
/// </summary>
internal static class KindFromPrefix
{
    /// <summary>The bytes of a file whose field keys are walked; a smaller file is told by reading it whole (<see cref="CriuDumpFile.Sniff(Input.InputFile)"/>).</summary>
    public const int PrefixBytes = 1 << 16;

    /// <summary>
    /// The kind the field keys in the first <see cref="PrefixBytes"/> of <paramref name="file"/> point to, or null when they
    /// point to none or to both (a field number going back, a field neither message has, damage before a telling key).
    /// </summary>
    public static CriuFileKind? Of(WireWindow file)
    {
        if (CriuHeader.Read(file.Head(CriuHeader.Size)) is not { } length || length == 0)
        {
            return null;
        }

        long end = CriuHeader.Size + (long)Math.Min(length, (ulong)Math.Max(0, file.Length - CriuHeader.Size));
        bool kfd = false;
        bool node = false;
        uint last = 0;
        try
        {
            for (long at = CriuHeader.Size; at < end && at < PrefixBytes;)
            {
                ProtobufReader head = file.FieldHead(at, end);
                (uint number, int wire) = head.ReadKey();
                if (number is 0 or > 10 || number < last)
                {
                    return null;
                }

                last = number;
                kfd |= wire == 2 && number is 4 or 6 or 10;
                node |= wire == 2 && number is 5 or 7;
                if (wire == 2)
                {
                    (long bytesAt, ulong bytes) = head.ReadLength(number, null);
                    at = bytesAt + (long)bytes;
                }
                else
                {
                    head.Skip(wire, number);
                    at = head.Offset;
                }
            }
        }
        catch (ImageFormatException)
        {
            // Damage ends the walk: the keys before it tell the kind.
        }

        return kfd == node ? null : kfd ? CriuFileKind.KfdImage : CriuFileKind.RenderNode;
    }
}
