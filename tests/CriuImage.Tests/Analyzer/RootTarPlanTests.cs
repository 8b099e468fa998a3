using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A dump tarred with its files at the archive's root (`tar -C dump .`, or `tar -cf x.tar *` in the folder) restores as
/// the folder does: the replay finds each contents file by the file's own name, not by the base name of its path
/// ("x.tar:amdgpu-drm-pages-7-128-0000.img"), which called every drm-pages file missing (CRI308, a crash that is not there).
/// </summary>
public sealed class RootTarPlanTests : TempFolder
{
    [Theory]
    [InlineData("-C {0} .")]
    [InlineData("-C {0} --transform=s,^\\./,, .")]
    public async Task Plan_OfADumpTarredAtItsRoot_EndsAsTheFolder(string how)
    {
        string dump = CriuFixtures.Path_("criu-dev");
        string tar = Path.Combine(Folder, "root.tar");
        (int made, _, string why) = await CliProcess.Bash($"tar -cf {CliProcess.Quote(tar)} {string.Format(System.Globalization.CultureInfo.InvariantCulture, how, CliProcess.Quote(dump))}");
        Assert.True(made == 0, why);

        (int folderCode, string folder, _) = await CliProcess.Shell("", "plan", dump);
        (int tarCode, string archived, _) = await CliProcess.Shell("", "plan", tar);

        Assert.Equal(folderCode, tarCode);
        Assert.Contains("differs (CRI324)", folder.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("differs (CRI324)", archived.Split('\n')[0], StringComparison.Ordinal);
        Assert.DoesNotContain("CRI308", archived, StringComparison.Ordinal);
    }
}
