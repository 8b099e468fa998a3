namespace CriuImage.Input;

/// <summary>
/// The checkpoint annotations of each engine family, and the one each restorer looks for before it treats an
/// image as a checkpoint: Podman's <c>io.podman.annotations.checkpoint.runtime.name</c>
/// (podman cmd/podman/utils/utils.go:134 IsCheckpointImage, c6580b4a5), CRI-O's
/// <c>io.kubernetes.cri-o.annotations.checkpoint.name</c> (cri-o server/container_restore.go:44, f954a17e5),
/// containerd's <c>io.containerd.checkpoint.runtime</c> and <c>.snapshotter</c> on the checkpoint index
/// (containerd PR 13822 validateCheckpointIndex, sandbox_checkpoint_linux.go:776-781 at c642dd351). verify
/// reports each warning as CRI331.
/// </summary>
internal static class CheckpointAnnotations
{
    /// <summary>Podman's prefix (libpod/define/annotations.go).</summary>
    public const string Podman = "io.podman.annotations.checkpoint.";

    /// <summary>CRI-O's prefix (internal/annotations/checkpoint.go).</summary>
    public const string CriO = "io.kubernetes.cri-o.annotations.checkpoint.";

    /// <summary>checkpointctl's prefix (lib/annotations.go), written by <c>checkpointctl build</c>.</summary>
    public const string Criu = "org.criu.checkpoint.";

    /// <summary>containerd's prefix (client/container.go, the checkpoint index's labels).</summary>
    public const string Containerd = "io.containerd.checkpoint.";

    /// <summary>The key Podman's restore looks for.</summary>
    public const string PodmanRestoreKey = Podman + "runtime.name";

    /// <summary>The key CRI-O's restore looks for.</summary>
    public const string CriORestoreKey = CriO + "name";

    /// <summary>True for a key of one of the checkpoint families.</summary>
    public static bool IsCheckpointKey(string key) =>
        key.StartsWith(Podman, StringComparison.Ordinal) || key.StartsWith(CriO, StringComparison.Ordinal)
        || key.StartsWith(Criu, StringComparison.Ordinal) || key.StartsWith(Containerd, StringComparison.Ordinal);

    /// <summary>The container's name as the annotations give it, or null.</summary>
    public static string? ContainerName(IReadOnlyDictionary<string, string> annotations) =>
        annotations.GetValueOrDefault(Podman + "name") ?? annotations.GetValueOrDefault(CriO + "name") ?? annotations.GetValueOrDefault(Criu + "container.name");

    /// <summary>Adds a warning to <paramref name="artifact"/> when it lacks the key the runtime that would restore it looks for.</summary>
    internal static void Warn(Artifact artifact)
    {
        IReadOnlyDictionary<string, string> a = artifact.Annotations;
        bool podman = a.Keys.Any(k => k.StartsWith(Podman, StringComparison.Ordinal));
        bool crio = a.Keys.Any(k => k.StartsWith(CriO, StringComparison.Ordinal));
        bool containerd = a.Keys.Any(k => k.StartsWith(Containerd, StringComparison.Ordinal));
        string? engine = a.GetValueOrDefault(Criu + "engine.name");
        if (podman || (engine?.Contains("podman", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            Require(artifact, PodmanRestoreKey, "podman restore IMAGE refuses the image without it: 'image is not a checkpoint' (podman cmd/podman/utils/utils.go:134-136)");
        }
        else if (crio || (engine?.Contains("cri-o", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            Require(artifact, CriORestoreKey, "CRI-O restores from an image only when it carries this annotation, otherwise it starts a new container from the image (cri-o server/container_restore.go:44)");
        }
        else if (containerd)
        {
            Require(artifact, Containerd + "runtime", "containerd's pod restore refuses a checkpoint index without it (PR 13822 sandbox_checkpoint_linux.go:776), as ctr restore does (client/container_restore_opts.go:79)");
            Require(artifact, Containerd + "snapshotter", "containerd's pod restore refuses a checkpoint index without it (PR 13822 sandbox_checkpoint_linux.go:779), as ctr restore does (client/container_restore_opts.go:52)");
        }
        else
        {
            artifact.Warnings.Add($"no checkpoint annotation: neither Podman ({PodmanRestoreKey}) nor CRI-O ({CriORestoreKey}) would restore from this image as a checkpoint");
        }
    }

    private static void Require(Artifact artifact, string key, string why)
    {
        if (!artifact.Annotations.ContainsKey(key))
        {
            artifact.Warnings.Add($"lacks the annotation {key}: {why}");
        }
    }
}
