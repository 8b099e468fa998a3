using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace CriuImage.Fuzz.Targets;

/// <summary>
/// podman's checkpoint image (fixtures/checkpoints/podman-image, an OCI image layout) as an oci-archive, with
/// one of its JSON documents replaced by a fuzzed one. A replaced manifest is stored under its own digest and
/// the index names it with that digest and size, so the fuzzer's bytes reach the manifest's reader rather than
/// stopping at the digest check.
/// </summary>
internal static class OciLayouts
{
    private const string Blobs = "blobs/sha256/";

    private static readonly Lazy<(byte[] Layout, byte[] Index, IReadOnlyList<(string Path, byte[] Content)> Blobs)> Podman = new(() =>
    {
        string root = Path.Combine(Companions.Root, "fixtures", "checkpoints", "podman-image");
        return (File.ReadAllBytes(Path.Combine(root, "oci-layout")), File.ReadAllBytes(Path.Combine(root, "index.json")),
            [.. Directory.EnumerateFiles(Path.Combine(root, "blobs", "sha256")).Order(StringComparer.Ordinal).Select(p => (Blobs + Path.GetFileName(p), File.ReadAllBytes(p)))]);
    });

    /// <summary>podman's index.json and its manifest (the blob the index names).</summary>
    public static (byte[] Index, byte[] Manifest) Documents
    {
        get
        {
            string digest = ManifestDigest(Podman.Value.Index);
            return (Podman.Value.Index, Podman.Value.Blobs.First(b => b.Path == Blobs + digest).Content);
        }
    }

    /// <summary>The oci-archive with <paramref name="index"/> as index.json, or <paramref name="manifest"/> as the image manifest.</summary>
    public static byte[] With(byte[]? index = null, byte[]? manifest = null)
    {
        (byte[] layout, byte[] podmanIndex, IReadOnlyList<(string Path, byte[] Content)> blobs) = Podman.Value;
        var files = new List<(string Path, byte[] Content)> { ("oci-layout", layout) };
        if (manifest is not null)
        {
            string digest = Convert.ToHexString(SHA256.HashData(manifest)).ToLowerInvariant();
            JsonNode document = JsonNode.Parse(podmanIndex)!;
            JsonNode descriptor = document["manifests"]![0]!;
            descriptor["digest"] = $"sha256:{digest}";
            descriptor["size"] = manifest.Length;
            files.Add(("index.json", System.Text.Encoding.UTF8.GetBytes(document.ToJsonString())));
            files.AddRange(blobs.Where(b => b.Path != Blobs + ManifestDigest(podmanIndex)));
            files.Add((Blobs + digest, manifest));
        }
        else
        {
            files.Add(("index.json", index ?? podmanIndex));
            files.AddRange(blobs);
        }

        return DumpPipeline.TarOf(files);
    }

    private static string ManifestDigest(byte[] index) => JsonNode.Parse(index)!["manifests"]![0]!["digest"]!.GetValue<string>()["sha256:".Length..];
}
