using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Reporting;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// CRIU's amdgpu files of every revision: python3-protobuf with protoc-compiled schemas writes the
/// fixtures (generate.py) and reads them back independently; our reader must agree field for field, and
/// tell each revision from the wire alone.
/// </summary>
public sealed class CriuReaderTests : TempFolder
{
    [Fact]
    public void Generator_WritesExactlyTheCheckedInFixtures()
    {
        string output = Path.Combine(Folder, "generated");
        CriuFixtures.Run(PythonRunner.Interpreter, Path.Combine(CriuFixtures.Root, "generate.py"), output);
        string[] generated = [.. Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(output, p)).Order(StringComparer.Ordinal)];
        string[] checkedIn = [.. Directory.EnumerateFiles(CriuFixtures.Root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(CriuFixtures.Root, p))
            .Where(p => p is not ("generate.py" or "kfd_objects.py") && !p.StartsWith("proto", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.Equal(checkedIn, generated);
        Assert.All(generated, p => Assert.True(File.ReadAllBytes(Path.Combine(output, p)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(CriuFixtures.Root, p))), $"{p} differs from what generate.py writes"));
    }

    [Theory]
    [InlineData("released-v3.17", "v317")]
    [InlineData("released-v4.2", "released")]
    [InlineData("criu-dev", "criudev")]
    [InlineData("d5377d5d2", "d5377d5d2")]
    public void Reader_AgreesWithPythonProtobuf_FieldForField(string folder, string proto)
    {
        string[] files = [.. Directory.EnumerateFiles(CriuFixtures.Path_(folder)).Where(CriuFixtures.IsMessageFile).Order(StringComparer.Ordinal)];
        Assert.NotEmpty(files);
        JsonNode python = JsonNode.Parse(CriuFixtures.Run(PythonRunner.Interpreter, [Path.Combine(RepoPaths.Python, "criu_decode.py"), Path.Combine(CriuFixtures.Root, "proto"), proto, .. files]))!;
        foreach (string file in files)
        {
            JsonNode ours = JsonNode.Parse(Decode(file))!["message"]!;
            Assert.True(JsonNode.DeepEquals(python[file], ours), $"{file}: python3-protobuf reads\n{python[file]}\nbut we read\n{ours}");
        }
    }

    [Theory]
    [InlineData("released-v3.17", CriuRevisions.Released)]
    [InlineData("released-v4.2", CriuRevisions.Released)]
    [InlineData("criu-dev", CriuRevisions.CriuDev)]
    [InlineData("d5377d5d2", CriuRevisions.D5377d5d2)]
    public void Revision_IsToldFromTheWire(string folder, CriuRevisions expected)
    {
        InputSet inputs = DumpInputs.Collect([CriuFixtures.Path_(folder)], new InputOptions(), () => Stream.Null);
        InputPlan plan = InputPlan.Of(inputs);
        CriuDump dump = Assert.Single(plan.Dumps).Dump;
        Assert.Equal(expected, dump.Revisions);
        Assert.All(dump.Files.Where(f => f.Kfd is not null || f.RenderNode is not null || f.Dmabuf is not null), f => Assert.Equal(expected, f.Revisions));
    }

    [Fact]
    public void KfdImageWithoutBos_FitsEveryRevision_AndSaysSo()
    {
        // pid, num_of_gpus, num_of_cpus, num_of_bos, num_of_objects, shared_mem_size, shared_mem_magic = 0; priv_data empty.
        byte[] file = Message([0x08, 0, 0x10, 0, 0x18, 0, 0x28, 0, 0x38, 0, 0x40, 0, 0x48, 0, 0x52, 0]);
        CriuMessageFile<CriuKfd> kfd = CriuFileReader.Lax.ReadKfd(file);
        Assert.Equal(CriuRevisions.Released | CriuRevisions.CriuDev | CriuRevisions.D5377d5d2, kfd.Revisions);
        Assert.Equal("released (v3.17..v4.2) or criu-dev or d5377d5d2", CriuRevisionNames.Describe(kfd.Revisions));
        Assert.Empty(kfd.Problems);
    }

    [Fact]
    public void KfdBosOfDifferentRevisions_FitNone()
    {
        byte[] released = [0x08, 0, 0x10, 0, 0x18, 0, 0x20, 0, 0x28, 0];
        byte[] criuDev = [.. released, 0x30, 0];
        byte[] file = Message([0x08, 0, 0x10, 0, 0x18, 0, 0x28, 2, 0x32, (byte)released.Length, .. released, 0x32, (byte)criuDev.Length, .. criuDev, 0x38, 0, 0x40, 0, 0x48, 0, 0x52, 0]);
        CriuMessageFile<CriuKfd> kfd = CriuFileReader.Lax.ReadKfd(file);
        Assert.Equal(CriuRevisions.None, kfd.Revisions);
        // Read by the schema most fields point to (criu-dev): the released entry lacks its handle.
        Assert.Contains(kfd.Problems, p => p.Message.Contains("lacks its required field handle", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingRequiredField_AndWideUint32_AreProblems_NotExceptions()
    {
        // num_of_gpus = 2^32 + 1 (truncated by protobuf-c), shared_mem_magic missing (unpack fails).
        byte[] file = Message([0x08, 0, 0x10, 0x81, 0x80, 0x80, 0x80, 0x10, 0x18, 0, 0x28, 0, 0x38, 0, 0x40, 0, 0x52, 0]);
        CriuMessageFile<CriuKfd> kfd = CriuFileReader.Lax.ReadKfd(file);
        Assert.Equal(1u, kfd.Message.NumOfGpus);
        Assert.Contains(kfd.Problems, p => p.Kind == CriuProblemKind.Truncated && p.Message.Contains("num_of_gpus is 4294967297", StringComparison.Ordinal));
        Assert.Contains(kfd.Problems, p => p.Kind == CriuProblemKind.Unpack && p.Message.Contains("shared_mem_magic", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "inside the 8-byte header")]
    [InlineData(new byte[] { 9, 0, 0, 0, 0, 0, 0, 0, 0x08 }, "but only 1 follow it")]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x80 }, "cut off")]
    public void Damage_IsAnImageFormatException_WithTheOffset(byte[] file, string message)
    {
        ImageFormatException e = Assert.Throws<ImageFormatException>(() => CriuFileReader.Lax.ReadKfd(file));
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        Assert.InRange(e.ByteOffset, 0, file.Length);
    }

    [Theory]
    [InlineData("amdgpu-kfd-5.img", CriuFileKind.KfdImage, 5L, null, null, null)]
    [InlineData("amdgpu-pages-5-1a2b.img", CriuFileKind.KfdPages, 5L, 0x1a2bu, null, null)]
    [InlineData("amdgpu-pages-5-1a2b3c4d.img", CriuFileKind.KfdPages, 5L, 0x1a2b3c4du, null, null)]
    [InlineData("amdgpu-renderD-7.img", CriuFileKind.RenderNode, 7L, null, null, null)]
    [InlineData("amdgpu-drm-pages-7-128-000a.img", CriuFileKind.DrmPages, 7L, null, 128L, 10u)]
    [InlineData("amdgpu-dmabuf_9.img", CriuFileKind.DmaBuf, 9L, null, null, null)]
    public void FileNames_AreRecognised(string name, CriuFileKind kind, long id, uint? gpu, long? minor, uint? index) =>
        Assert.Equal(new CriuFileName(kind, id, gpu, minor, index), CriuFileName.Parse(name));

    [Theory]
    [InlineData("amdgpu-kfd-5-1.img")]
    [InlineData("amdgpu-pages-5-1a2.img")]
    [InlineData("amdgpu-dmabuf-9.img")]
    [InlineData("pages-1.img")]
    [InlineData("amdgpu-renderD-7.img.bak")]
    public void OtherNames_AreNot(string name) => Assert.Null(CriuFileName.Parse(name));

    private static byte[] Message(byte[] body) => [.. BitConverter.GetBytes((ulong)body.Length), .. body];

    private static string Decode(string file)
    {
        var input = new InputFile { Path = file, Folder = "", Length = new FileInfo(file).Length, Content = File.ReadAllBytes(file), Name = Path.GetFileName(file) };
        using var buffer = new MemoryStream();
        CriuJsonWriter.Write(CriuDumpFile.Read(input, input.CriuName!), buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
