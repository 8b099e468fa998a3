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

    /// <summary>A zstd stream (a .tar.zst checkpoint); inputs without zstd's magic are left to dump-tar.</summary>
    public static FuzzTarget Zstd { get; } = new("zstd", "the input layer on a zstd stream (ZstdSharp, every frame to its end, the tar inside), then the dump pipeline", "none (an unreadable input is recorded)", input =>
    {
        if (input is [0x28, 0xB5, 0x2F, 0xFD, ..])
        {
            DumpPipeline.RunStream(input);
        }
    });

    /// <summary>The index.json of an oci-archive (podman's checkpoint image), the rest of the layout intact.</summary>
    public static FuzzTarget OciIndex { get; } = new("oci-index", "the input layer on an oci-archive whose index.json is the input (index, then manifest, config and layers), then the dump pipeline", "none (an unreadable input is recorded)", input =>
        DumpPipeline.RunStream(OciLayouts.With(index: input)));

    /// <summary>The image manifest of an oci-archive, with the index pointing at it by its true digest and size.</summary>
    public static FuzzTarget OciManifest { get; } = new("oci-manifest", "the input layer on an oci-archive whose manifest is the input (named by its digest), then the dump pipeline", "none (an unreadable input is recorded)", input =>
        DumpPipeline.RunStream(OciLayouts.With(manifest: input)));
}
