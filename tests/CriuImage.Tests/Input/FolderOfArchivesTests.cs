using CriuImage.Tests.Support;

namespace CriuImage.Tests.Input;

/// <summary>
/// A folder holding checkpoint archives (the kubelet's /var/lib/kubelet/checkpoints/, a folder of Podman
/// exports): each archive is opened and reported under its own name, with the findings of the dump it wraps.
/// </summary>
public sealed class FolderOfArchivesTests : TempFolder
{
    private static string Artifacts => Path.Combine(RepoPaths.Fixtures, "checkpoints");

    [Fact]
    public async Task KubeletCheckpointsFolder_ReportsEachArchiveUnderItsName()
    {
        string kubelet = Path.Combine(Folder, "checkpoints");
        Directory.CreateDirectory(kubelet);
        string crio = "checkpoint-trainer_default-rocm-job-2026-01-01T00:00:00Z.tar";
        string containerd = "checkpoint-trainer_default-rocm-job-2026-01-01T00:05:00Z.tar";
        File.Copy(Path.Combine(Artifacts, crio), Path.Combine(kubelet, crio));
        File.Copy(Path.Combine(Artifacts, "containerd", crio), Path.Combine(kubelet, containerd));
        File.Copy(Path.Combine(Artifacts, "podman-export.tar.gz"), Path.Combine(kubelet, "podman-export.tar.gz"));

        (int dumpCode, string dump, _) = await Cli.Run("verify", Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev"));
        (int code, string output, string error) = await Cli.Run("verify", kubelet);
        Assert.Equal("", error);
        Assert.Equal(dumpCode, code);
        string finding = dump.Split('\n').First(l => l.Contains(": warning CRI", StringComparison.Ordinal));
        string relative = finding[(finding.IndexOf("amdgpu-", StringComparison.Ordinal))..];
        foreach (string inside in new[] { $"{crio}:checkpoint/", $"{containerd}:checkpoint/", "podman-export.tar.gz:checkpoint/" })
        {
            Assert.Contains($"{Path.Combine(kubelet, inside)}{relative}\n", output, StringComparison.Ordinal);
        }

        Assert.Contains("verified 30 files: 24 ok, 6 with findings, 0 unreadable; 0 errors, 6 warnings, 0 notes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnpackedExport_SkipsTheContainersFiles_AndNeverOpensCriuFilesAsArchives()
    {
        // Podman's export unpacked: the dump under checkpoint/, the container's files beside it.
        string unpacked = Path.Combine(Folder, "export");
        string checkpoint = Path.Combine(unpacked, "checkpoint");
        Directory.CreateDirectory(checkpoint);
        foreach (string file in Directory.GetFiles(Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev")))
        {
            File.Copy(file, Path.Combine(checkpoint, Path.GetFileName(file)));
        }

        // CRIU's tmpfs image is a gzip tar under an .img name: CRIU's file, not an archive to open.
        File.Copy(Path.Combine(Artifacts, "podman-export-gzip.tar.gz"), Path.Combine(checkpoint, "tmpfs-dev-42.tar.gz.img"));
        File.Copy(Path.Combine(Artifacts, "podman-export.tar"), Path.Combine(unpacked, "rootfs-diff.tar"));

        (int code, string output, _) = await Cli.Run("verify", "--format", "json", unpacked);
        Assert.Equal(0, code);
        Assert.DoesNotContain("rootfs-diff.tar:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("tmpfs-dev-42.tar.gz.img:", output, StringComparison.Ordinal);
        Assert.Contains("the container's files (file-system changes, /dev/shm or a volume) that the engine stores beside the dump: not read", output, StringComparison.Ordinal);
        Assert.Contains("\"files\": 10,", output, StringComparison.Ordinal);
    }
}
