namespace CriuImage.Input;

/// <summary>
/// A container checkpoint artifact files were read from: an OCI image (layout folder or oci-archive), or a
/// container of a pod checkpoint. Its annotations are what the engine that wrote it recorded (Podman's
/// <c>io.podman.annotations.checkpoint.*</c>, CRI-O's <c>io.kubernetes.cri-o.annotations.checkpoint.*</c>,
/// checkpointctl's <c>org.criu.checkpoint.*</c>, containerd's <c>io.containerd.checkpoint.*</c>).
/// </summary>
internal sealed class Artifact
{
    /// <summary>The artifact as reports show it (the folder or archive named, and for a pod's container its name).</summary>
    public required string Path { get; init; }

    /// <summary>What it is, in words: "OCI image layout", "oci-archive", "pod checkpoint container".</summary>
    public required string Kind { get; init; }

    /// <summary>The container's name (a pod checkpoint's manifest, or a checkpoint annotation), or null.</summary>
    public string? ContainerName { get; init; }

    /// <summary>The checkpoint annotations of the manifest and index, by key, in key order.</summary>
    public SortedDictionary<string, string> Annotations { get; } = new(StringComparer.Ordinal);

    /// <summary>What is suspicious but readable about it (a missing restore annotation), one line each.</summary>
    public List<string> Warnings { get; } = [];
}
