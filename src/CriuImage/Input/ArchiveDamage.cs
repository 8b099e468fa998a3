namespace CriuImage.Input;

/// <summary>Why an archive could not be read to its end, in the tool's words.</summary>
internal static class ArchiveDamage
{
    private static readonly string? Ours = typeof(ArchiveDamage).Assembly.GetName().Name;

    /// <summary>What <paramref name="e"/>, thrown while reading an archive, says about it.</summary>
    public static string Reason(Exception e) =>
        // TarReader and the streams under it throw EndOfStreamException with the runtime's own text ("Unable to
        // read beyond the end of the stream.") when an archive ends inside a header or an entry; ours say where.
        e is EndOfStreamException && e.Source != Ours ? "it ends inside an entry or a header: truncated" : e.Message;
}
