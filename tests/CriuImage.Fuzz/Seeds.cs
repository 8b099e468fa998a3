using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using CriuImage.Fuzz.Targets;
using CriuImage.Topology;

namespace CriuImage.Fuzz;

/// <summary>
/// Starting inputs for each target, made from the fixtures and the regression corpus (tests/corpus/*): afl-fuzz
/// needs at least one input its target reads to the end, and grows the rest from them.
/// </summary>
internal static class Seeds
{
    /// <summary>Small fixture hosts: a tar of a 64-node host is larger than afl-fuzz mutates well.</summary>
    private static readonly string[] Hosts = ["gfx1100-2", "mi100-2", "mi300x-2-no-hive"];

    /// <summary>afl-fuzz mutates small inputs best, and the minimised corpus is committed: larger fixtures are left out.</summary>
    private const int MaxSeed = 64 * 1024;

    /// <summary>The seeds of <paramref name="target"/>, each named by its content's hash.</summary>
    public static IEnumerable<(string Name, byte[] Content)> For(string target) => Make(target)
        .Where(c => c.Length <= MaxSeed)
        .DistinctBy(Convert.ToHexString)
        .Select(c => ($"seed-{Convert.ToHexString(SHA256.HashData(c))[..12].ToLowerInvariant()}", c));

    private static IEnumerable<byte[]> Make(string target) => target switch
    {
        "image-reader" or "image-scanner" or "json-decode" => Files("fixtures", "*.img").Concat(Files("fixtures/v1.0", "*.img")).Concat(Files("fixtures/verify", "*.img")).Concat(Files("tests/corpus", "*.img")),
        "json-encode" => Files("fixtures", "*.json").Concat(Files("fixtures/verify", "*.json")).Concat(Files("tests/corpus", "*.json")),
        "criu-kfd" => Criu("amdgpu-kfd-*.img"),
        "criu-kfd-pages" => Criu("amdgpu-pages-*.img"),
        "criu-render-node" => Criu("amdgpu-renderD-*.img"),
        "criu-drm-pages" => Criu("amdgpu-drm-pages-*.img"),
        "criu-dmabuf" => Criu("amdgpu-dmabuf_*.img"),
        "dump-tar" => DumpTars(),
        "gzip" => DumpTars().Select(Gzip).Concat(Files("fixtures/criu/archives", "*.tar.gz")).Concat(Files("fixtures/checkpoints", "*.tar.gz")),
        "zstd" => DumpTars().Select(Zstd),
        "oci-index" => [OciLayouts.Documents.Index],
        "oci-manifest" => [OciLayouts.Documents.Manifest],
        "topology-tar" => Hosts.Select(TopologyTar).Concat(Hosts.Take(1).Select(h => Gzip(TopologyTar(h)))),
        "host-snapshot" => Hosts.Select(Snapshot),
        _ => throw new ArgumentException($"no seeds for {target}", nameof(target)),
    };

    private static IEnumerable<byte[]> Files(string folder, string pattern) =>
        Directory.EnumerateFiles(Path.Combine(Companions.Root, folder), pattern).Order(StringComparer.Ordinal).Select(File.ReadAllBytes);

    /// <summary>Every fixture CRIU file of a kind (every revision and damage), and the regression corpus's CRIU files.</summary>
    private static IEnumerable<byte[]> Criu(string pattern) =>
        Directory.EnumerateFiles(Path.Combine(Companions.Root, "fixtures", "criu"), pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)
            .Concat(pattern.Contains("pages", StringComparison.Ordinal) ? [] : Files("tests/corpus", "*.criu"));

    /// <summary>
    /// Each fixture dump folder as a tar, its contents files cut to their 8-byte header (only the header and the
    /// length are read, and small inputs mutate best), and the fixture checkpoint archive.
    /// </summary>
    private static IEnumerable<byte[]> DumpTars() =>
        Directory.EnumerateDirectories(Path.Combine(Companions.Root, "fixtures", "criu"), "*", SearchOption.AllDirectories)
            .Where(d => Directory.EnumerateFiles(d, "amdgpu-*.img").Any())
            .Order(StringComparer.Ordinal)
            .Select(d => DumpPipeline.Tar(Directory.EnumerateFiles(d).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), Cut(f)))))
            .Concat(Files("fixtures/criu/archives", "*.tar")).Concat(Files("fixtures/checkpoints", "*.tar"));

    private static byte[] Cut(string file)
    {
        byte[] content = File.ReadAllBytes(file);
        return Path.GetFileName(file).Contains("pages", StringComparison.Ordinal) ? content[..Math.Min(8, content.Length)] : content;
    }

    /// <summary>A fixture host's topology as <c>tar -C /sys/class/kfd/kfd -cf host.tar topology</c> makes it.</summary>
    private static byte[] TopologyTar(string host)
    {
        string root = Path.Combine(Companions.Root, "fixtures", "topology", host);
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                writer.WriteEntry(entry, "topology/" + Path.GetRelativePath(root, entry));
            }
        }

        return tar.ToArray();
    }

    private static byte[] Snapshot(string host)
    {
        using var snapshot = new MemoryStream();
        HostSnapshot.Write(Path.Combine(Companions.Root, "fixtures", "topology", host), snapshot, "6.18.0");
        return snapshot.ToArray();
    }

    private static byte[] Zstd(byte[] content)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(content).ToArray();
    }

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }
}
