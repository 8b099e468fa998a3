using System.Text.Json;
using System.Text.Unicode;

namespace CriuImage.Input;

/// <summary>
/// A pod checkpoint folder as containerd writes it (PR 13822, sandbox_checkpoint_linux.go:
/// <c>checkpoint-manifest.json</c> version 2, <c>pod-config.json</c>, and one oci-archive
/// <c>container-SHA256(ID).tar</c> per container whose index points to the checkpoint index). Each
/// container's files are named <c>FOLDER:container/NAME/layer/SHORT/PATH</c>, so each dump is reported
/// under its container's name. The same limits as containerd's apply: a manifest of at most 16 MiB and
/// 1024 containers, archive names that stay inside the folder.
/// </summary>
internal static class PodCheckpoint
{
    /// <summary>The manifest that marks a folder as a pod checkpoint.</summary>
    public const string ManifestFile = "checkpoint-manifest.json";

    private const int MaxManifestBytes = 16 << 20;
    private const int MaxContainers = 1024;

    /// <summary>Reads the pod checkpoint in <paramref name="folder"/>, named <paramref name="display"/> in reports.</summary>
    public static void Read(string folder, string display, InputSet set, InputOptions options)
    {
        string where = Path.Combine(display, ManifestFile);
        var info = new FileInfo(Path.Combine(folder, ManifestFile));
        if (info.Length > MaxManifestBytes)
        {
            set.Unreadable.Add(new UnreadableInput(where, $"{info.Length} bytes, more than the {MaxManifestBytes} read"));
            return;
        }

        JsonDocument manifest;
        try
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(folder, ManifestFile));

            // JsonDocument checks UTF-8 only when a string is read (GetString throws InvalidOperationException): check it first.
            if (!Utf8.IsValid(bytes))
            {
                set.Unreadable.Add(new UnreadableInput(where, "is not valid JSON: not UTF-8"));
                return;
            }

            manifest = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            set.Unreadable.Add(new UnreadableInput(where, ManifestJson.NotValid(e)));
            return;
        }

        using (manifest)
        {
            JsonElement root = manifest.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v) || v != 2)
            {
                set.Unreadable.Add(new UnreadableInput(where, "not a version 2 pod checkpoint manifest (containerd's): not read"));
                return;
            }

            if (!root.TryGetProperty("containers", out JsonElement containers) || containers.ValueKind != JsonValueKind.Array || containers.GetArrayLength() > MaxContainers)
            {
                set.Unreadable.Add(new UnreadableInput(where, $"no containers array of at most {MaxContainers} containers"));
                return;
            }

            int index = 0;
            foreach (JsonElement container in containers.EnumerateArray())
            {
                index++;
                ReadContainer(folder, display, where, index, container, set, options);
            }
        }
    }

    private static void ReadContainer(string folder, string display, string where, int index, JsonElement container, InputSet set, InputOptions options)
    {
        string? name = container.ValueKind == JsonValueKind.Object && container.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        string? archive = container.ValueKind == JsonValueKind.Object && container.TryGetProperty("archive", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        if (string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal) || string.IsNullOrEmpty(archive) || archive.Contains('/', StringComparison.Ordinal) || archive is "." or "..")
        {
            set.Unreadable.Add(new UnreadableInput(where, $"container {index}: no name, or an archive name that is not a plain file name in the folder: not read"));
            return;
        }

        string path = Path.Combine(display, archive);
        var info = new FileInfo(Path.Combine(folder, archive));
        if (!info.Exists || info.LinkTarget is not null)
        {
            set.Unreadable.Add(new UnreadableInput(path, info.Exists ? "a symbolic link: not followed in a pod checkpoint" : $"missing (the archive of container {name})"));
            return;
        }

        try
        {
            using var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
            InputContext context = InputContext.Top(options).Nested();
            OciArchive.Read(stream, path, $"{display}:container/{name}/", set, options, context, new ArtifactSeed($"{display}:container/{name}", "pod checkpoint container", name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Unreadable.Add(new UnreadableInput(path, IO.IoMessages.Of(e)));
        }
    }
}
