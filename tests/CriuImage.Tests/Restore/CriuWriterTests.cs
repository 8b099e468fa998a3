using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The default of <c>--criu</c>: the CRIU that wrote the dump, by its files' schema and a checkpoint artifact's
/// <c>criu.version</c> annotation (go-criu's number: 40100 is 4.1); the files win over an annotation they contradict.
/// </summary>
public sealed class CriuWriterTests
{
    [Theory]
    [InlineData("released-v4.2", null, "v4.2", "the dump's files fit the released schema")]
    [InlineData("released-v4.2", "40100", "v4.1", "io.podman.annotations.checkpoint.criu.version is 40100: CRIU v4.1")]
    [InlineData("released-v4.2", "31700", "v3.17", "io.podman.annotations.checkpoint.criu.version is 31700: CRIU v3.17")]
    [InlineData("released-v4.2", "50000", "v4.2", "the artifact's io.podman.annotations.checkpoint.criu.version is 50000")]
    [InlineData("criu-dev", "40200", "criu-dev", "the dump's files fit criu-dev's schema; the artifact's io.podman.annotations.checkpoint.criu.version is 40200")]
    [InlineData("criu-dev", "40100", "criu-dev", "criu-dev's schema")]
    public void TheWriter_IsTheSchemaTheFilesFit_NamedByTheAnnotationWhereItAgrees(string fixture, string? annotated, string writer, string says)
    {
        CriuDump dump = Dump(fixture, annotated);
        (CriuVersion? version, string why) = CriuWriter.Of(dump);
        Assert.Equal(writer, version?.Name);
        Assert.Contains(says, why, StringComparison.Ordinal);
        Assert.Equal(why, DumpRestorePlan.Create(dump).Sequence!.CriuWhy);
    }

    private static CriuDump Dump(string fixture, string? annotated)
    {
        CriuDump dump = InputPlan.Of(DumpInputs.Collect([CriuFixtures.Path_(fixture)], new InputOptions(), () => Stream.Null)).Dumps[0].Dump;
        if (annotated is null)
        {
            return dump;
        }

        var artifact = new Artifact { Path = "image", Kind = "OCI image layout" };
        artifact.Annotations[CheckpointAnnotations.Podman + "criu.version"] = annotated;
        return dump with
        {
            Files = [.. dump.Files.Select(f => CriuDumpFile.Read(new InputFile { Path = f.Input.Path, Folder = f.Input.Folder, Length = f.Input.Length, Name = f.Input.Name, Content = f.Input.Content, DiskPath = f.Input.DiskPath, Head = f.Input.Head, Found = true, Artifact = artifact }, f.Name))],
        };
    }
}
