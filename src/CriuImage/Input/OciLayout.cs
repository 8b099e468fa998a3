using System.Text.Json;
using System.Text.Unicode;

namespace CriuImage.Input;

/// <summary>
/// Reads an OCI image layout (image-spec image-layout.md: <c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/ALG/HEX</c>) as skopeo, podman and containerd write it: index, then each manifest (nested indexes
/// followed, a circle refused), its config and its layers, each layer a tar (plain, gzip or zstd, told by its
/// bytes) whose files are named <c>ARTIFACT:layer/SHORT/PATH</c> (SHORT: the layer digest's first 12 hex digits).
/// Every blob read is checked against its descriptor: present, of its size, and of its digest, hashed as it
/// is read (before decompression), so the answer covers the whole image. containerd's checkpoint index (the
/// CRIU tar as a blob of its own) is read the same way; the container's base image it may list (ctr's
/// <c>checkpoint --image</c>, containerd client/container_checkpoint_opts.go WithCheckpointImage) is checked
/// blob by blob but its layers are not read as part of the dump.
/// </summary>
internal sealed class OciLayout
{
    /// <summary>The file that marks a folder or archive as an OCI image layout.</summary>
    public const string LayoutFile = "oci-layout";

    private const int MaxJsonBytes = 4 << 20;
    private const int MaxDescriptors = 10_000;
    private const int MaxIndexDepth = 8;

    private readonly BlobStore _store;
    private readonly string _display;
    private readonly string _prefix;
    private readonly InputSet _set;
    private readonly InputOptions _options;
    private readonly InputContext _context;
    private readonly ArtifactSeed _seed;
    private readonly HashSet<string> _following = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private int _descriptors;

    private OciLayout(BlobStore store, string display, string prefix, InputSet set, InputOptions options, InputContext context, ArtifactSeed seed)
    {
        _store = store;
        _display = display;
        _prefix = prefix;
        _set = set;
        _options = options;
        _context = context;
        _seed = seed;
    }

    /// <summary>Reads the layout in <paramref name="store"/>; messages name <paramref name="display"/>, files are named <paramref name="prefix"/>layer/SHORT/PATH. True when every blob was read.</summary>
    public static bool Read(BlobStore store, string display, string prefix, InputSet set, InputOptions options, InputContext context, ArtifactSeed seed)
    {
        var layout = new OciLayout(store, display, prefix, set, options, context, seed);
        int unreadable = set.Unreadable.Count;
        layout.Run();
        return set.Unreadable.Count == unreadable;
    }

    private void Run()
    {
        using JsonDocument? marker = ReadFile(LayoutFile);
        if (marker is null)
        {
            return;
        }

        if (!marker.RootElement.TryGetProperty("imageLayoutVersion", out JsonElement version) || version.ValueKind != JsonValueKind.String)
        {
            Fail($"{_display}:{LayoutFile}", "has no imageLayoutVersion: not an OCI image layout");
            return;
        }

        using JsonDocument? index = ReadFile("index.json");
        if (index is not null)
        {
            FollowIndex(index.RootElement, $"{_display}:index.json", new Dictionary<string, string>(StringComparer.Ordinal), 0, baseImage: false);
        }
    }

    // baseImage: inside the container's image a containerd checkpoint index lists, whose blobs are checked, its layers not read.
    private void FollowIndex(JsonElement index, string where, Dictionary<string, string> inherited, int depth, bool baseImage)
    {
        if (depth > MaxIndexDepth)
        {
            Fail(where, $"indexes nested more than {MaxIndexDepth} deep: not followed");
            return;
        }

        var annotations = new Dictionary<string, string>(inherited, StringComparer.Ordinal);
        AddAnnotations(annotations, index);
        if (!index.TryGetProperty("manifests", out JsonElement manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            Fail(where, "has no manifests array: not an image index");
            return;
        }

        // containerd's checkpoint index lists the checkpoint's blobs (the CRIU tar among them) directly.
        List<OciDescriptor> descriptors = [];
        foreach (JsonElement element in manifests.EnumerateArray())
        {
            if (Descriptor(element, where) is { } descriptor)
            {
                descriptors.Add(descriptor);
            }
        }

        Artifact? checkpoint = !baseImage && descriptors.Any(d => d.MediaType == OciDescriptor.ContainerdCriu) ? NewArtifact(annotations) : null;
        foreach (OciDescriptor descriptor in descriptors)
        {
            if (baseImage && (descriptor.IsManifest || descriptor.IsIndex) && !Holds(descriptor))
            {
                // The base image's index lists every platform; containerd exports the one it pulled (exporter.go WithSkipMissing).
                _set.Skipped.Add(new SkippedInput($"{_display}:{descriptor.BlobPath}", "a manifest of the container's base image for another platform, which the archive does not hold: not needed for the checkpoint", SkipKind.Other));
                continue;
            }

            // Beside the CRIU tar, an image or index is the container's own image (WithCheckpointImage), not the dump.
            Follow(descriptor, annotations, depth, checkpoint, baseImage || checkpoint is not null);
        }

        if (checkpoint is not null)
        {
            CheckpointAnnotations.Warn(checkpoint);
        }
    }

    private void Follow(OciDescriptor descriptor, Dictionary<string, string> inherited, int depth, Artifact? checkpoint, bool baseImage)
    {
        string blob = $"{_display}:{descriptor.BlobPath}";
        if (descriptor.IsIndex || descriptor.IsManifest)
        {
            if (!_following.Add(descriptor.Digest))
            {
                Fail(blob, "an index or manifest that leads back to itself (a circle): not followed again");
                return;
            }

            using JsonDocument? document = ReadJsonBlob(descriptor, blob);
            if (document is not null)
            {
                var annotations = new Dictionary<string, string>(inherited, StringComparer.Ordinal);
                foreach ((string key, string value) in descriptor.Annotations)
                {
                    annotations[key] = value;
                }

                if (descriptor.IsIndex)
                {
                    FollowIndex(document.RootElement, blob, annotations, depth + 1, baseImage);
                }
                else
                {
                    ReadManifest(document.RootElement, blob, annotations, baseImage);
                }
            }

            _following.Remove(descriptor.Digest);
        }
        else if (checkpoint is not null && descriptor.MediaType == OciDescriptor.ContainerdCriu)
        {
            ReadLayer(descriptor, checkpoint);
        }
        else
        {
            VerifyBlob(descriptor, blob);
        }
    }

    private void ReadManifest(JsonElement manifest, string where, Dictionary<string, string> inherited, bool baseImage)
    {
        AddAnnotations(inherited, manifest);
        Artifact artifact = NewArtifact(inherited);
        if (manifest.TryGetProperty("config", out JsonElement config) && Descriptor(config, where) is { } configDescriptor)
        {
            VerifyBlob(configDescriptor, $"{_display}:{configDescriptor.BlobPath}");
        }

        if (!manifest.TryGetProperty("layers", out JsonElement layers) || layers.ValueKind != JsonValueKind.Array)
        {
            Fail(where, "has no layers array: not an image manifest");
            return;
        }

        int files = _set.Files.Count;
        foreach (JsonElement element in layers.EnumerateArray())
        {
            if (Descriptor(element, where) is not { } layer)
            {
                continue;
            }

            if (baseImage)
            {
                VerifyBlob(layer, $"{_display}:{layer.BlobPath}");
                _set.Skipped.Add(new SkippedInput($"{_prefix}layer/{layer.Short}/", "a layer of the container's base image, stored beside the checkpoint: its digest checked, its files not read", SkipKind.Other));
            }
            else
            {
                ReadLayer(layer, artifact);
            }
        }

        if (_set.Files.Count > files)
        {
            CheckpointAnnotations.Warn(artifact);
        }
    }

    private void ReadLayer(OciDescriptor layer, Artifact artifact)
    {
        string blob = $"{_display}:{layer.BlobPath}";
        if (!_read.Add(layer.Digest))
        {
            return;
        }

        using Stream? stream = Open(layer, blob);
        if (stream is null)
        {
            return;
        }

        using var digest = new DigestStream(stream, layer.Hash);
        int unreadable = _set.Unreadable.Count;
        int files = _set.Files.Count;
        bool complete = Containers.Read(digest, blob, $"{_prefix}layer/{layer.Short}/", _set, _options, _context.For(artifact));
        if (complete)
        {
            Check(layer, blob, digest);
            return;
        }

        // A flipped byte in a compressed layer stops its decoder before the digest is known: hash the rest of the
        // stored blob, and when it is not the one named, say that (the cause) instead of what it broke; the files
        // read from it before it broke came from bytes that are not the image's, and are dropped.
        try
        {
            (long length, string hex) = digest.Finish();
            if (length != layer.Size || hex != layer.Hex)
            {
                string broke = string.Join("; ", _set.Unreadable.Skip(unreadable).Select(u => u.Reason));
                _set.Unreadable.RemoveRange(unreadable, _set.Unreadable.Count - unreadable);
                _set.Files.RemoveRange(files, _set.Files.Count - files);
                Fail(blob, $"{Mismatch(layer, length, hex)}; its files are not read (reading it stopped at: {broke})");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The store itself failed: what the decoder said stands.
        }
    }

    private void VerifyBlob(OciDescriptor descriptor, string blob)
    {
        if (!_read.Add(descriptor.Digest))
        {
            return;
        }

        using Stream? stream = Open(descriptor, blob);
        if (stream is not null)
        {
            using var digest = new DigestStream(stream, descriptor.Hash);
            Check(descriptor, blob, digest);
        }
    }

    private JsonDocument? ReadJsonBlob(OciDescriptor descriptor, string blob)
    {
        if (descriptor.Size > MaxJsonBytes)
        {
            Fail(blob, $"an index or manifest of {descriptor.Size} bytes, more than the {MaxJsonBytes} read: not followed");
            return null;
        }

        using Stream? stream = Open(descriptor, blob);
        if (stream is null)
        {
            return null;
        }

        using var digest = new DigestStream(stream, descriptor.Hash);
        byte[] bytes = new byte[descriptor.Size];
        digest.ReadExactly(bytes);
        return Check(descriptor, blob, digest) ? Parse(bytes, blob) : null;
    }

    private bool Holds(OciDescriptor descriptor)
    {
        using Stream? stream = _store.Open(descriptor.BlobPath, out _, out string? problem);
        return stream is not null || problem != "missing";
    }

    /// <summary>Opens a blob whose length is its descriptor's size, or says why not.</summary>
    private Stream? Open(OciDescriptor descriptor, string blob)
    {
        Stream? stream = _store.Open(descriptor.BlobPath, out long length, out string? problem);
        if (stream is null)
        {
            Fail(blob, $"{problem} (named by a descriptor of type {descriptor.MediaType})");
            return null;
        }

        if (length != descriptor.Size)
        {
            stream.Dispose();
            Fail(blob, $"{length} bytes, but its descriptor says {descriptor.Size}: the blob is damaged or not the one named");
            return null;
        }

        return stream;
    }

    private bool Check(OciDescriptor descriptor, string blob, DigestStream digest)
    {
        (long length, string hex) = digest.Finish();
        if (length != descriptor.Size || hex != descriptor.Hex)
        {
            Fail(blob, Mismatch(descriptor, length, hex));
            return false;
        }

        return true;
    }

    private static string Mismatch(OciDescriptor descriptor, long length, string hex) =>
        $"its {descriptor.Algorithm} is {hex} ({length} bytes), but its descriptor says {descriptor.Hex} ({descriptor.Size} bytes): the blob is damaged or not the one named";

    private JsonDocument? ReadFile(string name)
    {
        string where = $"{_display}:{name}";
        using Stream? stream = _store.Open(name, out long length, out string? problem);
        if (stream is null)
        {
            Fail(where, $"{problem}: not an OCI image layout");
            return null;
        }

        if (length > MaxJsonBytes)
        {
            Fail(where, $"{length} bytes, more than the {MaxJsonBytes} read");
            return null;
        }

        byte[] bytes = new byte[length];
        stream.ReadExactly(bytes);
        return Parse(bytes, where);
    }

    private JsonDocument? Parse(byte[] bytes, string where)
    {
        // JsonDocument checks UTF-8 only when a string is read (GetString throws InvalidOperationException): check it first.
        if (!Utf8.IsValid(bytes))
        {
            Fail(where, "is not valid JSON: not UTF-8");
            return null;
        }

        try
        {
            JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            Fail(where, "is not a JSON object");
            return null;
        }
        catch (JsonException e)
        {
            Fail(where, ManifestJson.NotValid(e));
            return null;
        }
    }

    private OciDescriptor? Descriptor(JsonElement element, string where)
    {
        if (++_descriptors > MaxDescriptors)
        {
            if (_descriptors == MaxDescriptors + 1)
            {
                Fail(where, $"more than {MaxDescriptors} descriptors in the image: the rest is not followed");
            }

            return null;
        }

        OciDescriptor? descriptor = OciDescriptor.Parse(element, out string? problem);
        if (descriptor is null)
        {
            Fail(where, $"{problem}: not followed");
        }

        return descriptor;
    }

    private Artifact NewArtifact(Dictionary<string, string> annotations)
    {
        var artifact = new Artifact { Path = _seed.Path, Kind = _seed.Kind, ContainerName = _seed.ContainerName ?? CheckpointAnnotations.ContainerName(annotations) };
        foreach ((string key, string value) in annotations)
        {
            if (CheckpointAnnotations.IsCheckpointKey(key))
            {
                artifact.Annotations[key] = value;
            }
        }

        return artifact;
    }

    private static void AddAnnotations(Dictionary<string, string> into, JsonElement document)
    {
        if (document.TryGetProperty("annotations", out JsonElement map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in map.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    into[p.Name] = p.Value.GetString()!;
                }
            }
        }
    }

    private void Fail(string where, string reason) => _set.Unreadable.Add(new UnreadableInput(where, reason));
}

/// <summary>What an artifact is before its annotations are read: how reports name it, its kind, and the container name its pod checkpoint gives.</summary>
internal sealed record ArtifactSeed(string Path, string Kind, string? ContainerName = null);
