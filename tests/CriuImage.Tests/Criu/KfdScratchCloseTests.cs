using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A KFD image's BO values past their budget are in a scratch file (<see cref="KfdBoList"/>), whose descriptor is closed
/// when the command that read the image ends (<see cref="RunScratch"/>), not whenever the garbage collector finalizes
/// the list. The command runs in this process with its scratch files in a folder of the test's own (TMPDIR, read by
/// .NET at each scratch file), so it runs alone: no other test's scratch file is made meanwhile.
/// </summary>
[Collection(nameof(KfdScratchCloseTests))]
public sealed class KfdScratchCloseTests : TempFolder
{
    [Theory]
    [InlineData("verify")]
    [InlineData("plan")]
    [InlineData("show")]
    public async Task TheScratchFilesDescriptor_IsClosed_WhenTheCommandEnds(string command)
    {
        string image = Path.Combine(Folder, "amdgpu-kfd-5.img");
        await File.WriteAllBytesAsync(image, KfdImages.WithPrivateData(20_000));
        string scratch = Directory.CreateDirectory(Path.Combine(Folder, "tmp")).FullName;
        string? tmpdir = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", scratch + "/");
        HeldBudget.Set.Value = 0;
        try
        {
            (int code, string output, string error) = await Cli.Run(command, image);
            Assert.True(code is 0 or 1, $"{command} exited {code}: {output}{error}");
        }
        finally
        {
            HeldBudget.Set.Value = null;
            Environment.SetEnvironmentVariable("TMPDIR", tmpdir);
        }

        // The image's 20,000 values went to two whole chunks of the scratch file (KfdBoSpillTests); its descriptor, unlinked, names the folder.
        Assert.Empty(OpenIn(scratch));
    }

    /// <summary>This process's descriptors open on files made in <paramref name="folder"/> (unlinked ones too: "PATH (deleted)").</summary>
    private static List<string> OpenIn(string folder)
    {
        var open = new List<string>();
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(folder + "/", StringComparison.Ordinal))
                {
                    open.Add($"{fd} -> {target}");
                }
            }
            catch (IOException)
            {
                // Closed between the listing and the look.
            }
        }

        return open;
    }
}

/// <summary>The scratch-file test sets TMPDIR for the whole process: it runs alone.</summary>
[CollectionDefinition(nameof(KfdScratchCloseTests), DisableParallelization = true)]
public sealed class KfdScratchCloseTestsCollection;
