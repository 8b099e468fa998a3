using System.Security.Cryptography;
using System.Text.Json;

namespace CriuImage.Input;

/// <summary>An OCI content descriptor (image-spec descriptor.md): media type, digest, size and annotations.</summary>
internal sealed record OciDescriptor(string MediaType, string Algorithm, string Hex, long Size, IReadOnlyDictionary<string, string> Annotations)
{
    /// <summary>The image index and manifest media types (OCI and Docker's), whose blobs are JSON documents to follow.</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>The OCI image manifest media type.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>containerd's CRIU checkpoint blob (core/images/mediatypes.go): a tar of CRIU's images at its root.</summary>
    public const string ContainerdCriu = "application/vnd.containerd.container.criu.checkpoint.criu.tar";

    /// <summary>The blob's path in the layout.</summary>
    public string BlobPath => $"blobs/{Algorithm}/{Hex}";

    /// <summary>The digest as the descriptor gives it.</summary>
    public string Digest => $"{Algorithm}:{Hex}";

    /// <summary>The first 12 hex digits, as paths inside the image show the layer.</summary>
    public string Short => Hex[..12];

    /// <summary>The hash the digest names.</summary>
    public HashAlgorithmName Hash => Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;

    /// <summary>True for an index (OCI or a Docker manifest list).</summary>
    public bool IsIndex => MediaType is OciIndex or "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>True for an image manifest (OCI or Docker's).</summary>
    public bool IsManifest => MediaType is OciManifest or "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Reads a descriptor; null with <paramref name="problem"/> when a field is missing or the digest is not sha256/sha512 hex of its length.</summary>
    public static OciDescriptor? Parse(JsonElement element, out string? problem)
    {
        problem = null;
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("mediaType", out JsonElement media) || media.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("digest", out JsonElement digest) || digest.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("size", out JsonElement size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out long length) || length < 0)
        {
            problem = "a descriptor without a mediaType, digest or size";
            return null;
        }

        string value = digest.GetString()!;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string algorithm = colon > 0 ? value[..colon] : "";
        string hex = colon > 0 ? value[(colon + 1)..] : "";
        int digits = algorithm switch { "sha256" => 64, "sha512" => 128, _ => -1 };
        if (digits < 0 || hex.Length != digits || !hex.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            problem = $"the digest '{(value.Length > 80 ? value[..80] : value)}' is not sha256 or sha512 in lowercase hex";
            return null;
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.TryGetProperty("annotations", out JsonElement map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in map.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    annotations[p.Name] = p.Value.GetString()!;
                }
            }
        }

        return new OciDescriptor(media.GetString()!, algorithm, hex, length, annotations);
    }
}
