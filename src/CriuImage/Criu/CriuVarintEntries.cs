namespace CriuImage.Criu;

/// <summary>
/// A CRIU image of N entries whose wanted fields are all varints (fdinfo_entry, file_entry, ext_file_entry,
/// task_kobj_ids_entry): one walk of the framing (<see cref="CriuImageEntries"/>) and of each entry's wire, the
/// values of fields 1..<c>names.Length</c> kept, every other field skipped. One loop for the readers of
/// <see cref="CriuFdImages"/> and <see cref="CriuTaskImages"/>, so each says only which fields it needs.
/// </summary>
internal static class CriuVarintEntries
{
    /// <summary>
    /// Each entry's offset and its fields 1..<c>names.Length</c> (null where the entry lacks one); the array is the
    /// same for every entry, refilled, so read it before the next one. A wanted field sent with another wire type is
    /// skipped, so the caller's required-field check names it missing.
    /// </summary>
    /// <param name="file">The image.</param>
    /// <param name="magic">The image's own magic.</param>
    /// <param name="image">The image's name in a message ("fdinfo image").</param>
    /// <param name="names">The wanted fields' names, field 1 first.</param>
    /// <exception cref="Diagnostics.ImageFormatException">The framing or a wire is damaged (thrown as the walk reaches it).</exception>
    public static IEnumerable<(long Offset, ulong?[] Fields)> Each(ReadOnlyMemory<byte> file, uint magic, string image, string[] names)
    {
        var values = new ulong?[names.Length];
        foreach ((long offset, ReadOnlyMemory<byte> bytes) in CriuImageEntries.Each(file, magic, image))
        {
            Array.Clear(values);
            Fill(bytes.Span, offset, names, values);
            yield return (offset, values);
        }
    }

    private static void Fill(ReadOnlySpan<byte> entry, long offset, string[] names, ulong?[] values)
    {
        var reader = new ProtobufReader(entry, offset);
        while (!reader.End)
        {
            (uint field, int wire) = reader.ReadKey();
            if (field >= 1 && field <= names.Length && wire == 0)
            {
                values[field - 1] = reader.ReadVarint(field, names[field - 1]);
            }
            else
            {
                reader.Skip(wire, field);
            }
        }
    }
}
