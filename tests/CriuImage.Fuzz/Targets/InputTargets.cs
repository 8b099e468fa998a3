namespace CriuImage.Fuzz.Targets;

/// <summary>
/// Targets of the input layer: what arrives on standard input (the path every input kind shares once it is
/// open), then everything the commands do with what it holds (<see cref="DumpPipeline"/>). The input layer
/// records what it cannot read as unreadable, so nothing may throw.
/// </summary>
internal static class InputTargets
{
    /// <summary>A container checkpoint or dump folder as a plain tar (ustar, pax, GNU, sparse entries).</summary>
    public static FuzzTarget DumpTar { get; } = new("dump-tar", "InputCollector on a tar stream (ArchiveReader, TarSparse), then the dump pipeline", "none (an unreadable input is recorded)", DumpPipeline.RunStream);

    /// <summary>A gzip stream (a .tar.gz checkpoint); inputs without gzip's magic are left to dump-tar.</summary>
    public static FuzzTarget Gzip { get; } = new("gzip", "InputCollector on a gzip stream (GZipStream, its trailer, the tar inside), then the dump pipeline", "none (an unreadable input is recorded)", input =>
    {
        if (input is [0x1F, 0x8B, ..])
        {
            DumpPipeline.RunStream(input);
        }
    });
}
