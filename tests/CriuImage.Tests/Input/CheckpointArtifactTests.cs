using System.Text.RegularExpressions;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Input;

/// <summary>
/// The container checkpoint artifacts of fixtures/checkpoints (written by make.py the way each engine's code
/// writes them, around fixtures/criu/criu-dev): each gives the findings of the dump folder it wraps, and
/// each kind of damage gives its own error naming the archive or blob.
/// </summary>
public sealed partial class CheckpointArtifactTests : TempFolder
{
    private static string Artifacts => Path.Combine(RepoPaths.Fixtures, "checkpoints");

    private static string Dump => Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev");

    public static TheoryData<string> Kinds =>
    [
        "podman-export.tar.gz",
        "podman-export-gzip.tar.gz",
        "podman-export.tar",
        "podman-image",
        "podman-image.oci.tar",
        "checkpointctl-image",
        "buildah-image",
        "checkpoint-trainer_default-rocm-job-2026-01-01T00:00:00Z.tar",
        "containerd/checkpoint-trainer_default-rocm-job-2026-01-01T00:00:00Z.tar",
        "pod-checkpoint",
        "containerd-checkpoint.oci.tar",
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task EachKind_GivesTheFindingsOfTheDumpItWraps(string artifact)
    {
        (int dumpCode, string dumpOutput, _) = await Cli.Run("verify", Dump);
        (int code, string output, string error) = await Cli.Run("verify", Path.Combine(Artifacts, artifact));
        Assert.Equal("", error);
        Assert.Equal(dumpCode, code);
        Assert.NotEmpty(Findings(dumpOutput));

        // The image itself has a finding only where it lacks its restorer's key: checkpointctl build's (CRI331).
        string self = $"{Path.Combine(Artifacts, artifact)}: ";
        string[] own = [.. output.Split('\n').Where(l => l.StartsWith(self, StringComparison.Ordinal) && l.Contains(" CRI", StringComparison.Ordinal))];
        List<string> inside = [.. Findings(string.Join('\n', output.Split('\n').Where(l => !l.StartsWith(self, StringComparison.Ordinal))))];
        Assert.Equal(Findings(dumpOutput), inside);
        if (artifact == "checkpointctl-image")
        {
            Assert.Equal([$"{self}warning CRI331: lacks the annotation io.kubernetes.cri-o.annotations.checkpoint.name: CRI-O restores from an image only when it carries this annotation, otherwise it starts a new container from the image (cri-o server/container_restore.go:44)"], own);
            Assert.Equal("verified 11 files: 8 ok, 3 with findings, 0 unreadable; 0 errors, 3 warnings, 0 notes", Summary(output));
        }
        else
        {
            Assert.Empty(own);
            Assert.Equal(Summary(dumpOutput), Summary(output));
        }
    }

    [Theory]
    [InlineData("podman-image", "podman-image:layer/50e40514fec7/checkpoint/amdgpu-kfd-5.img")]
    [InlineData("podman-image.oci.tar", "podman-image.oci.tar:layer/50e40514fec7/checkpoint/amdgpu-kfd-5.img")]
    [InlineData("pod-checkpoint", "pod-checkpoint:container/rocm-job/layer/0c9925bbc4e7/amdgpu-kfd-5.img")]
    public async Task PathsInsideArtifacts_NameTheLayerAndTheContainer(string artifact, string expected)
    {
        (_, string output, _) = await Cli.Run("verify", Path.Combine(Artifacts, artifact));
        Assert.Contains(Path.Combine(Artifacts, expected) + ": warning CRI324", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_ShowsTheCheckpointAnnotations_AndWarnsWhenTheRestorersKeyIsMissing()
    {
        (int code, string output, _) = await Cli.Run("info", Path.Combine(Artifacts, "podman-image"));
        Assert.Equal(0, code);
        Assert.Contains("  io.podman.annotations.checkpoint.criu.version: 40200\n", output, StringComparison.Ordinal);
        Assert.Contains("  io.podman.annotations.checkpoint.host.kernel: 6.17.0-1-amd64\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", output, StringComparison.Ordinal);

        // checkpointctl build records org.criu.checkpoint.* only; CRI-O restores by its own key (server/container_restore.go:44).
        (_, string built, _) = await Cli.Run("info", "--format", "json", Path.Combine(Artifacts, "checkpointctl-image"));
        Assert.Contains("\"org.criu.checkpoint.engine.name\": \"CRI-O\"", built, StringComparison.Ordinal);
        Assert.Contains("lacks the annotation io.kubernetes.cri-o.annotations.checkpoint.name", built, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContainerdCheckpointImage_ChecksTheBaseImage_ButDoesNotReadItAsTheDump()
    {
        string archive = Path.Combine(Artifacts, "containerd-checkpoint.oci.tar");
        (int code, string output, _) = await Cli.Run("verify", "--format", "json", archive);
        Assert.Equal(0, code);
        Assert.Contains($"\"path\": \"{archive}:layer/9a04a936d1dc/\"", output, StringComparison.Ordinal);
        Assert.Contains("a layer of the container's base image, stored beside the checkpoint: its digest checked, its files not read", output, StringComparison.Ordinal);
        Assert.DoesNotContain("etc/os-release", output, StringComparison.Ordinal);

        // The base image's index lists an arm64 manifest the export does not hold: listed, not an error.
        Assert.Contains("a manifest of the container's base image for another platform, which the archive does not hold: not needed for the checkpoint", output, StringComparison.Ordinal);

        // The base image's layer is still hashed: a flipped byte in it (the gzip header's MTIME, 4 bytes into the
        // entry's data, which follows its 512-byte tar header) is an error naming that blob.
        byte[] bytes = File.ReadAllBytes(archive);
        int header = bytes.AsSpan().IndexOf("blobs/sha256/9a04a936d1dc"u8);
        bytes[header + 512 + 4] ^= 1;
        string damaged = Path.Combine(Folder, "damaged.oci.tar");
        File.WriteAllBytes(damaged, bytes);
        (int damagedCode, string damagedOutput, _) = await Cli.Run("verify", damaged);
        Assert.Equal(2, damagedCode);
        Assert.Contains($"{damaged}:blobs/sha256/9a04a936d1dc", damagedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandardInput_TakesEveryKind()
    {
        foreach (string artifact in new[] { "podman-export.tar.gz", "podman-image.oci.tar", "checkpoint-trainer_default-rocm-job-2026-01-01T00:00:00Z.tar" })
        {
            (int code, string output, string error) = await CliProcess.Shell($"< '{Path.Combine(Artifacts, artifact)}'", "verify", "-");
            Assert.True(code == 0, $"{artifact}: {output}{error}");
            Assert.Contains("verified 10 files: 8 ok, 2 with findings, 0 unreadable; 0 errors, 2 warnings, 0 notes", output, StringComparison.Ordinal);
        }

        (int showCode, string show, _) = await CliProcess.Shell($"< '{Path.Combine(Artifacts, "podman-export.tar.gz")}'", "show", "-");
        Assert.Equal(0, showCode);
        Assert.Contains("-:checkpoint (CRIU amdgpu dump", show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LayerDigestMismatch_IsAnErrorNamingTheBlob()
    {
        string image = CopyImage();
        string layer = LayerOf(image);
        byte[] bytes = File.ReadAllBytes(layer);
        bytes[4] ^= 1; // the gzip header's MTIME: the data still inflates, only the digest differs
        File.WriteAllBytes(layer, bytes);
        (int code, string output, _) = await Cli.Run("verify", image);
        Assert.Equal(2, code);
        Assert.Matches($"{Regex.Escape(image)}:blobs/sha256/50e40514fec7[0-9a-f]+: error CRI001: its sha256 is [0-9a-f]{{64}} \\({bytes.Length} bytes\\), but its descriptor says 50e40514fec7", output);
    }

    [Theory]
    [InlineData("podman-image", "50e40514fec7")]
    [InlineData("checkpointctl-image", "540cb0e9e3e9")]
    public async Task FlippedByteInACompressedLayer_IsNamedAsTheDigestMismatch(string artifact, string layerShort)
    {
        // The byte breaks the decoder (or the tar it decodes to) before the digest is known: the digest is still
        // finished over the stored blob, and the mismatch, the cause, is what is said; the layer's files are not read.
        string image = CopyImage(artifact);
        string layer = Directory.EnumerateFiles(Path.Combine(image, "blobs", "sha256"), layerShort + "*").Single();
        byte[] bytes = File.ReadAllBytes(layer);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(layer, bytes);
        (int code, string output, _) = await Cli.Run("verify", image);
        Assert.Equal(2, code);
        Assert.Matches($"{Regex.Escape(image)}:blobs/sha256/{layerShort}[0-9a-f]+: error CRI001: its sha256 is [0-9a-f]{{64}} \\({bytes.Length} bytes\\), but its descriptor says {layerShort}[0-9a-f]+ \\({bytes.Length} bytes\\): the blob is damaged or not the one named; its files are not read \\(reading it stopped at: ", output);
        Assert.Contains("verified 1 file: 0 ok, 0 with findings, 1 unreadable; 1 error, 0 warnings, 0 notes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingBlob_IsAnErrorNamingTheBlob()
    {
        string image = CopyImage();
        File.Delete(LayerOf(image));
        (int code, string output, _) = await Cli.Run("verify", image);
        Assert.Equal(2, code);
        Assert.Contains(":blobs/sha256/50e40514fec7", output, StringComparison.Ordinal);
        Assert.Contains("missing (named by a descriptor of type application/vnd.oci.image.layer.v1.tar+gzip)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongSize_IsAnErrorNamingTheBlob()
    {
        string image = CopyImage();
        string layer = LayerOf(image);
        long size = new FileInfo(layer).Length;
        File.AppendAllText(layer, "x");
        (int code, string output, _) = await Cli.Run("verify", image);
        Assert.Equal(2, code);
        Assert.Contains($"{size + 1} bytes, but its descriptor says {size}: the blob is damaged or not the one named", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadGzipTrailer_IsItsOwnError()
    {
        string copy = Damage("podman-export-gzip.tar.gz", b => b[^6] ^= 1);
        (int code, string output, _) = await Cli.Run("verify", copy);
        Assert.Equal(2, code);
        Assert.Matches($"{Regex.Escape(copy)}: error CRI001: the gzip stream is damaged: the CRC32 trailer of member 1 says [0-9a-f]{{8}}, its [0-9]+ bytes of data have [0-9a-f]{{8}}", output);

        string cut = Path.Combine(Folder, "cut.tar.gz");
        File.WriteAllBytes(cut, File.ReadAllBytes(Path.Combine(Artifacts, "podman-export-gzip.tar.gz"))[..^8]);
        (int cutCode, string cutOutput, _) = await Cli.Run("verify", cut);
        Assert.Equal(2, cutCode);
        Assert.Contains("the gzip stream is damaged: member 1 ends before its CRC32 and length trailer: truncated", cutOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadZstdChecksum_IsItsOwnError()
    {
        string copy = Damage("podman-export.tar.gz", b => b[^1] ^= 1);
        (int code, string output, _) = await Cli.Run("verify", copy);
        Assert.Equal(2, code);
        Assert.Contains($"{copy}: error CRI001: the zstd stream is damaged: Restored data doesn't match checksum", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedZstd_IsItsOwnError()
    {
        string copy = Path.Combine(Folder, "cut.tar.zst");
        File.WriteAllBytes(copy, File.ReadAllBytes(Path.Combine(Artifacts, "podman-export.tar.gz"))[..^3]);
        (int code, string output, _) = await Cli.Run("verify", copy);
        Assert.Equal(2, code);
        Assert.Contains($"{copy}: error CRI001: the zstd stream is damaged: truncated: Premature end of stream", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadmeExamples_Run()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        string section = readme[readme.IndexOf("## Container checkpoints", StringComparison.Ordinal)..];
        string block = section[(section.IndexOf("```\n", StringComparison.Ordinal) + 4)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        string? output = null;
        int commands = 0;
        foreach (string line in block.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("$ criu-image ", StringComparison.Ordinal))
            {
                string[] args = [.. line["$ criu-image ".Length..].Split(' ').Select(a => a.StartsWith("fixtures/", StringComparison.Ordinal) ? Path.Combine(RepoPaths.Root, a) : a)];
                (int code, output, string error) = await Cli.Run(args);
                Assert.True(code == 0, $"{line}: exit {code}: {error}");
                commands++;
            }
            else if (line.StartsWith("$ ", StringComparison.Ordinal))
            {
                output = null; // another tool's command, shown for the reader
            }
            else
            {
                Assert.NotNull(output);
                string expected = line.StartsWith("fixtures/", StringComparison.Ordinal) ? Path.Combine(RepoPaths.Root, line) : line;
                Assert.Contains(expected + "\n", output, StringComparison.Ordinal);
            }
        }

        Assert.Equal(7, commands);
    }

    [Fact]
    public async Task VerifyHost_TakesAZstdArchive_AndAZstdTopologyTar_AsTheirPlainForms()
    {
        string dump = Path.Combine(RepoPaths.Fixtures, "criu", "hosts", "gfx1100-2");
        string topology = Path.Combine(RepoPaths.Fixtures, "topology", "gfx1100-2");
        string archive = Path.Combine(Folder, "dump.tar.zst");
        string host = Path.Combine(Folder, "host.tar.zst");
        string plainHost = Path.Combine(Folder, "host.tar");
        using (var tar = new MemoryStream())
        {
            using (var writer = new System.Formats.Tar.TarWriter(tar, leaveOpen: true))
            {
                foreach (string file in Directory.GetFiles(dump).Order(StringComparer.Ordinal))
                {
                    writer.WriteEntry(file, "checkpoint/" + Path.GetFileName(file));
                }
            }

            File.WriteAllBytes(archive, new ZstdSharp.Compressor().Wrap(tar.ToArray()).ToArray());
        }

        using (var tar = new MemoryStream())
        {
            System.Formats.Tar.TarFile.CreateFromDirectory(topology, tar, includeBaseDirectory: true);
            File.WriteAllBytes(plainHost, tar.ToArray());
            File.WriteAllBytes(host, new ZstdSharp.Compressor().Wrap(tar.ToArray()).ToArray());
        }

        // A tar's member order is the host's order, so the peer is the same tar, uncompressed, beside the dump folder.
        (int folderCode, string folderOutput, _) = await Cli.Run("verify", dump, "--host", plainHost);
        (int code, string output, string error) = await Cli.Run("verify", archive, "--host", host);
        Assert.Equal("", error);
        Assert.Equal(folderCode, code);
        Assert.NotEmpty(Findings(output));
        Assert.Equal(Findings(folderOutput.Replace(plainHost, host, StringComparison.Ordinal)), Findings(output));
        Assert.Equal(Summary(folderOutput), Summary(output));
    }

    private string CopyImage(string artifact = "podman-image")
    {
        string image = Path.Combine(Folder, "image");
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Artifacts, artifact), "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(image, Path.GetRelativePath(Path.Combine(Artifacts, artifact), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return image;
    }

    private static string LayerOf(string image) => Directory.EnumerateFiles(Path.Combine(image, "blobs", "sha256"), "50e40514fec7*").Single();

    private string Damage(string artifact, Action<byte[]> damage)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Artifacts, artifact));
        damage(bytes);
        string copy = Path.Combine(Folder, "damaged-" + artifact);
        File.WriteAllBytes(copy, bytes);
        return copy;
    }

    /// <summary>Each finding as file name, code and message: the same wherever the dump sits.</summary>
    private static List<string> Findings(string output) =>
        [.. FindingLine().Matches(output).Select(m => $"{m.Groups["file"].Value}: {m.Groups["rest"].Value}").Order(StringComparer.Ordinal)];

    private static string Summary(string output) => output.Split('\n').Single(l => l.StartsWith("verified ", StringComparison.Ordinal));

    [GeneratedRegex(@"^.*[/:](?<file>[^/:]+): (?<rest>(error|warning|note) CRI\d+: .*)$", RegexOptions.Multiline)]
    private static partial Regex FindingLine();
}
