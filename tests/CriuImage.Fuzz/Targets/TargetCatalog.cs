namespace CriuImage.Fuzz.Targets;

/// <summary>Every fuzzing target, by name: one per parser of untrusted bytes.</summary>
internal static class TargetCatalog
{
    /// <summary>The targets, in the order the docs list them.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        FormatTargets.Reader,
        FormatTargets.Scanner,
        FormatTargets.JsonDecode,
        FormatTargets.JsonEncode,
        CriuTargets.KfdImage,
        CriuTargets.KfdPages,
        CriuTargets.RenderNode,
        CriuTargets.DrmPages,
        CriuTargets.Dmabuf,
        InputTargets.DumpTar,
        InputTargets.Gzip,
        InputTargets.Zstd,
        InputTargets.OciIndex,
        InputTargets.OciManifest,
        TopologyTargets.TopologyTar,
        TopologyTargets.HostSnapshot,
    ];

    /// <summary>The target named <paramref name="name"/>, or null.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
