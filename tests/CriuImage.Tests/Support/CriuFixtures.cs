using System.Diagnostics;

namespace CriuImage.Tests.Support;

/// <summary>The CRIU dump fixtures of fixtures/criu (written by fixtures/criu/generate.py) and helpers around them.</summary>
internal static class CriuFixtures
{
    public static string Root => Path.Combine(RepoPaths.Fixtures, "criu");

    /// <summary>The clean dumps and the revision each was written with (the protoc module name in fixtures/criu/proto).</summary>
    public static readonly (string Folder, string Proto)[] Clean =
    [
        ("released-v3.17", "v317"),
        ("released-v4.2", "released"),
        ("criu-dev", "criudev"),
        ("d5377d5d2", "d5377d5d2"),
        ("criu-dev-queues", "criudev"),
    ];

    /// <summary>Each damaged dump and the code its one damage must raise.</summary>
    public static readonly Dictionary<string, string> Damaged = new(StringComparer.Ordinal)
    {
        ["counts-off"] = "CRI307",
        ["kfd-bo-on-mapping"] = "CRI314",
        ["kfd-event-page-small"] = "CRI340",
        ["kfd-peer-bo-on-mapping"] = "CRI314",
        ["kfd-pages-header"] = "CRI311",
        ["kfd-priv-bo-count"] = "CRI340",
        ["kfd-priv-mapped-gpu"] = "CRI340",
        ["kfd-priv-object-count"] = "CRI340",
        ["kfd-priv-object-type"] = "CRI340",
        ["kfd-priv-size"] = "CRI340",
        ["kfd-priv-truncated-object"] = "CRI340",
        ["kfd-priv-version"] = "CRI340",
        ["kfd-queue-gfx11-ctl-stack"] = "CRI340",
        ["kfd-queue-mqd-size"] = "CRI340",
        ["kfd-queue-multi-xcc-mqd"] = "CRI340",
        ["kfd-queue-qid"] = "CRI340",
        ["kfd-queue-ring"] = "CRI340",
        ["kfd-queue-gfx12-sdma"] = "CRI340",
        ["kfd-queue-type"] = "CRI340",
        ["kfd-svm-gpu"] = "CRI340",
        ["kfd-svm-size"] = "CRI340",
        ["kfd-xnack-gfx11"] = "CRI340",
        ["missing-drm-pages"] = "CRI308",
        ["orphan-import"] = "CRI315",
        ["render-node-first"] = "CRI333",
        ["import-across-tasks"] = "CRI334",
        ["short-drm-pages"] = "CRI310",
        ["stale-bytes"] = "CRI303",
        ["truncated-kfd"] = "CRI302",
        ["unknown-gpu-id"] = "CRI313",
    };

    /// <summary>
    /// Each dump of two or three tasks with CRIU's process images (pstree, core, fdinfo, files: fixtures/criu/tasks) and the
    /// code the place of its files raises.
    /// </summary>
    public static readonly Dictionary<string, string> Tasks = new(StringComparer.Ordinal)
    {
        ["shared-files-table"] = "CRI328",
        ["render-node-in-child"] = "CRI333",
        ["import-in-another-task"] = "CRI358",
        ["render-node-below-kfd-in-child"] = "CRI333",
        ["zombie-child"] = "CRI328",
        ["one-table-two-siblings"] = "CRI328",
        ["fdinfo-missing"] = "CRI353",
        ["import-of-another-tasks-bo"] = "CRI358",
        ["two-threads"] = "CRI328",
        ["thread-core-missing"] = "CRI354",
        ["import-chain"] = "CRI358",
        ["import-fan-in"] = "CRI358",
        ["one-handle-two-exporters"] = "CRI326",
        ["import-woken-by-shared-file"] = "CRI358",
        ["import-woken-too-early"] = "CRI358",
        ["import-woken-by-render-node"] = "CRI358",
    };

    public static string Path_(string relative) => Path.Combine(Root, relative);

    /// <summary>Copies the files of the fixture dump <paramref name="relative"/> into <paramref name="destination"/> (created) and returns it.</summary>
    public static string CopyTo(string relative, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.EnumerateFiles(Path_(relative)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        return destination;
    }

    /// <summary>Makes output independent of where the repository is: the fixture root becomes <c>fixtures/criu</c>.</summary>
    public static string Portable(string text) => text.Replace(Root, "fixtures/criu", StringComparison.Ordinal);

    public static bool IsMessageFile(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith("amdgpu-kfd-", StringComparison.Ordinal) || name.StartsWith("amdgpu-renderD-", StringComparison.Ordinal) || name.StartsWith("amdgpu-dmabuf_", StringComparison.Ordinal);
    }

    /// <summary>Runs a program to completion; fails the test on a non-zero exit.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} did not finish within 2 minutes");
        }

        Assert.True(process.ExitCode == 0, $"{program} exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }
}
