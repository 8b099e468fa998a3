namespace CriuImage.Criu;

/// <summary>
/// One entry of a <see cref="CriuVarintEntries"/> walk: its offset and the wanted varint fields it holds. The values
/// array is the walk's own, refilled for the next entry, so read it before moving on.
/// </summary>
/// <param name="Offset">Byte offset of the entry in its image.</param>
/// <param name="Values">Field n's value at index n - 1 (0 where absent).</param>
/// <param name="Present">Bit n - 1 set for each wanted field n the entry holds.</param>
internal readonly record struct VarintEntry(long Offset, ulong[] Values, uint Present)
{
    /// <summary>True when the entry holds every wanted field.</summary>
    public bool HasAll => Present == (1u << Values.Length) - 1;

    /// <summary>Field <paramref name="field"/>'s value as a 32-bit number (protobuf's uint32 keeps the low bits).</summary>
    public uint U32(int field) => (uint)Values[field - 1];
}

/// <summary>
/// A CRIU image of N entries whose wanted fields are all varints (fdinfo_entry, file_entry, ext_file_entry,
/// task_kobj_ids_entry): one walk of the framing (<see cref="CriuImageEntries"/>) and of each entry's wire, the
/// values of fields 1..<c>names.Length</c> kept, every other field skipped. One loop for the readers of
/// <see cref="CriuFdImages"/> and <see cref="CriuTaskImages"/>, so each says only which fields it needs.
/// </summary>
internal static class CriuVarintEntries
{
    /// <summary>
    /// Each entry with its fields 1..<c>names.Length</c> (at most 32). A wanted field sent with another wire type is
    /// skipped, so the caller's required-field check names it missing.
    /// </summary>
    /// <param name="file">The image.</param>
    /// <param name="magic">The image's own magic.</param>
    /// <param name="image">The image's name in a message ("fdinfo image").</param>
    /// <param name="names">The wanted fields' names, field 1 first.</param>
    /// <exception cref="Diagnostics.ImageFormatException">The framing or a wire is damaged (thrown as the walk reaches it).</exception>
    public static IEnumerable<VarintEntry> Each(ReadOnlyMemory<byte> file, uint magic, string image, string[] names)
    {
        var values = new ulong[names.Length];
        foreach ((long offset, ReadOnlyMemory<byte> bytes) in CriuImageEntries.Each(file, magic, image))
        {
            yield return new VarintEntry(offset, values, Fill(bytes.Span, offset, names, values));
        }
    }

    private static uint Fill(ReadOnlySpan<byte> entry, long offset, string[] names, ulong[] values)
    {
        uint present = 0;
        var reader = new ProtobufReader(entry, offset);
        while (!reader.End)
        {
            (uint field, int wire) = reader.ReadKey();
            if (field - 1 < (uint)names.Length && wire == 0)
            {
                values[field - 1] = reader.ReadVarint(field, names[field - 1]);
                present |= 1u << (int)(field - 1);
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        return present;
    }
}
