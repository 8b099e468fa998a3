using System.Formats.Tar;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A file inside an archive that its reader reads by position (a render node, a criu-image) is copied to an unlinked
/// temporary file past 1 MiB rather than held in memory, and reads as the same file in a folder does.
/// </summary>
public sealed class ArchiveSpoolTests : TempFolder
{
    [Fact]
    public void ARenderNodeInATar_IsSpooled_AndReadsAsInAFolder()
    {
        byte[] node = CriuImages.File(RenderNodeStoreTests.Node(60_000, i => 1 + (i % 3)));
        Assert.True(node.Length > StreamSpool.HeldBytes);
        string folder = Directory.CreateDirectory(Path.Combine(Folder, "dump")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "amdgpu-renderD-7.img"), node);
        string tar = Path.Combine(Folder, "dump.tar");
        TarFile.CreateFromDirectory(folder, tar, includeBaseDirectory: false);

        InputSet archived = DumpInputs.Collect([tar], new InputOptions(), () => Stream.Null);
        InputFile file = Assert.Single(archived.Files);
        Assert.Null(file.Content);
        Assert.NotNull(file.Opened);
        Assert.Equal(node.Length, file.Length);

        CriuRenderNode fromTar = Assert.Single(InputPlan.Of(archived).Dumps).Dump.Files[0].RenderNode!.Message;
        CriuRenderNode fromFolder = Assert.Single(InputPlan.Of(DumpInputs.Collect([folder], new InputOptions(), () => Stream.Null)).Dumps).Dump.Files[0].RenderNode!.Message;
        Assert.Equal(60_000, fromTar.Bos.Count);
        Assert.Equal(fromFolder.Bos.Select(b => (b.Handle, b.ByteOffset, b.VmEntries.Length)), fromTar.Bos.Select(b => (b.Handle, b.ByteOffset, b.VmEntries.Length)));
    }

    [Fact]
    public void ATruncatedTar_SaysSo_ForASpooledEntry()
    {
        byte[] node = CriuImages.File(RenderNodeStoreTests.Node(60_000, _ => 1));
        string folder = Directory.CreateDirectory(Path.Combine(Folder, "dump")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "amdgpu-renderD-7.img"), node);
        string tar = Path.Combine(Folder, "dump.tar");
        TarFile.CreateFromDirectory(folder, tar, includeBaseDirectory: false);
        byte[] cut = File.ReadAllBytes(tar)[..(node.Length / 2)];
        File.WriteAllBytes(tar, cut);

        InputSet archived = DumpInputs.Collect([tar], new InputOptions(), () => Stream.Null);
        Assert.Empty(archived.Files);
        Assert.Contains("truncated", Assert.Single(archived.Unreadable).Reason, StringComparison.Ordinal);
    }
}
