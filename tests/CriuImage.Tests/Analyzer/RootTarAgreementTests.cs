using System.Formats.Tar;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// Every fixture dump, given as its folder and as a tar holding its files at the archive's root (<c>tar -C dump .</c>),
/// reads the same in every command that reads dumps, text and JSON, apart from the name of the input: every file of
/// a dump is named, and looked up (a contents file, the file a replay ends at, the files a task opens), by its own
/// name, never by the base name of its path, which in such a tar is <c>x.tar:amdgpu-kfd-5.img</c> (b8c0466 fixed two
/// such lookups; eighteen other places named files that way), and the dump itself is named <c>x.tar</c>, not <c>x.tar:</c>.
/// </summary>
public sealed class RootTarAgreementTests : TempFolder
{
    private static readonly string[][] Commands =
    [
        ["verify"], ["plan"], ["show"], ["info"], ["restorable"],
        ["verify", "--format", "json"], ["plan", "--format", "json"], ["show", "--format", "json"], ["info", "--format", "json"], ["restorable", "--format", "json"],
    ];

    public static TheoryData<string> Dumps()
    {
        var dumps = new TheoryData<string>();
        foreach (string folder in Directory.EnumerateDirectories(CriuFixtures.Root, "*", SearchOption.AllDirectories)
            .Where(f => Directory.EnumerateFiles(f, "amdgpu-*.img").Any()).Order(StringComparer.Ordinal))
        {
            dumps.Add(Path.GetRelativePath(CriuFixtures.Root, folder));
        }

        return dumps;
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public async Task ADumpTarredAtItsRoot_ReadsAsItsFolder_InEveryCommand(string fixture)
    {
        string dump = CriuFixtures.Path_(fixture);
        string tar = Path.Combine(Folder, "root.tar");
        await using (FileStream stream = File.Create(tar))
        await using (var writer = new TarWriter(stream, TarEntryFormat.Pax))
        {
            foreach (string file in Directory.GetFiles(dump).Order(StringComparer.Ordinal))
            {
                await writer.WriteEntryAsync(file, Path.GetFileName(file));
            }
        }

        foreach (string[] command in Commands)
        {
            (int folderCode, string folderOut, string folderErr) = await Cli.Run([.. command, dump]);
            (int tarCode, string tarOut, string tarErr) = await Cli.Run([.. command, tar]);

            string said = $"{string.Join(' ', command)} of {fixture}";
            Assert.True(folderCode == tarCode, $"{said}: exit {folderCode} as a folder, {tarCode} as a root-level tar");
            Assert.Equal(AsFolder(folderOut, dump), AsTar(tarOut, tar));
            Assert.Equal(AsFolder(folderErr, dump), AsTar(tarErr, tar));
            Assert.DoesNotContain(tar + "::", tarOut, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A CRIU file of such a tar that cannot be read (a GNU sparse entry) is unread, not missing, as in a tar holding the
    /// dump in a folder: the replay does not say CRIU crashes for want of it (CRI308).
    /// </summary>
    [Fact]
    public async Task AnUnreadableEntryAtTheRoot_IsUnread_AsInAFolderOfTheTar()
    {
        string copy = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "d"));
        string pages = Path.Combine(copy, "amdgpu-drm-pages-7-128-0000.img");
        File.Delete(pages);
        string script = $"""
            set -e
            truncate -s 1M {CliProcess.Quote(pages)}
            tar --format=gnu --sparse -cf {CliProcess.Quote(Path.Combine(Folder, "root.tar"))} -C {CliProcess.Quote(copy)} .
            tar --format=gnu --sparse -cf {CliProcess.Quote(Path.Combine(Folder, "nested.tar"))} -C {CliProcess.Quote(Folder)} d
            """;
        (int made, _, string why) = await CliProcess.Bash(script);
        Assert.True(made == 0, why);

        (int rootCode, string root, _) = await Cli.Run("plan", Path.Combine(Folder, "root.tar"));
        (int nestedCode, string nested, _) = await Cli.Run("plan", Path.Combine(Folder, "nested.tar"));

        Assert.Equal(nestedCode, rootCode);
        Assert.Contains("differs (CRI324)", nested.Split('\n')[0], StringComparison.Ordinal);
        Assert.Equal(nested.Split('\n')[0].Replace("nested.tar:d", "X", StringComparison.Ordinal), root.Split('\n')[0].Replace("root.tar", "X", StringComparison.Ordinal));
    }

    private static string AsFolder(string text, string dump) =>
        text.Replace(dump + "/", "", StringComparison.Ordinal).Replace(dump, "DUMP", StringComparison.Ordinal);

    private static string AsTar(string text, string tar) =>
        text.Replace(tar + ": ", "DUMP: ", StringComparison.Ordinal).Replace(tar + ":", "", StringComparison.Ordinal).Replace(tar, "DUMP", StringComparison.Ordinal);
}
