using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>
/// <c>import DUMP -o OUTDIR</c>: a dump folder or container archive becomes one criu-image per render node
/// with BOs, checked field by field against python3-protobuf's reading of CRIU's files and the independent
/// python reader of our format; released and d5377d5d2 dumps import nothing and say so.
/// </summary>
public sealed class CriuDumpImportTests : TempFolder
{
    public static TheoryData<string> CriuDevInputs => ["criu-dev", "archives/checkpoint-criu-dev.tar", "archives/checkpoint-criu-dev.tar.gz"];

    [Theory]
    [MemberData(nameof(CriuDevInputs))]
    public async Task Import_AgreesWithPythonProtobuf_AndThePythonReader_FieldForField(string fixture)
    {
        string output = Path.Combine(Folder, "out");
        (int code, _, string error) = await Cli.Run("import", CriuFixtures.Path_(fixture), "-o", output);
        Assert.Equal((0, ""), (code, error));

        string dump = DumpOnDisk(fixture);
        string[] nodes = [.. Directory.EnumerateFiles(dump, "amdgpu-renderD-*.img").Order(StringComparer.Ordinal)];
        string kfdFile = Assert.Single(Directory.EnumerateFiles(dump, "amdgpu-kfd-*.img"));
        JsonNode criu = JsonNode.Parse(CriuFixtures.Run(PythonRunner.Interpreter, [Path.Combine(RepoPaths.Python, "criu_decode.py"), Path.Combine(CriuFixtures.Root, "proto"), "criudev", kfdFile, .. nodes]))!;
        JsonNode kfd = criu[kfdFile]!;
        Assert.Equal(nodes.Select(n => $"amdgpu-renderD-{(uint)criu[n]!["id"]!}.cimg").Order(StringComparer.Ordinal), Directory.EnumerateFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(2, nodes.Length);

        foreach (string node in nodes)
        {
            JsonNode expected = criu[node]!;
            string image = Path.Combine(output, $"amdgpu-renderD-{(uint)expected["id"]!}.cimg");
            JsonNode python = JsonNode.Parse(PythonRunner.Run("read_image.py", image))!;
            (_, string decoded, _) = await Cli.Run("decode", image);
            Assert.True(JsonNode.DeepEquals(python, JsonNode.Parse(decoded)), $"decode and read_image.py disagree on {image}:\n{decoded}\n{python}");
            // The dump's render nodes verify clean (tests/golden/Criu.Verify.criu-dev): so do their images.
            Assert.Empty(ImageVerifier.Verify(image, image).Diagnostics);

            Assert.Equal("linux-6.18", (string)python["abi"]!);
            JsonNode device = python["device"]!;
            Assert.Equal((uint)expected["gpu_id"]!, (uint)device["gpu_id"]!);
            Assert.Equal((uint)expected["drm_render_minor"]!, (uint)device["render_minor"]!);
            Assert.Equal((uint)expected["id"]!, (uint)python["capture"]!["criu_file_id"]!);
            Assert.Equal((uint)kfd["pid"]!, (uint)python["capture"]!["pid"]!);
            JsonNode gpu = kfd["device_entries"]!.AsArray().Single(d => (uint)d!["gpu_id"]! == (uint)expected["gpu_id"]!)!;
            Assert.Equal((uint)gpu["vendor_id"]!, (uint)device["pci_vendor_id"]!);
            Assert.Equal((uint)gpu["device_id"]!, (uint)device["pci_device_id"]!);

            JsonArray entries = expected["bo_entries"]!.AsArray();
            JsonArray bos = python["bos"]!.AsArray();
            Assert.Equal(entries.Count, bos.Count);
            Assert.NotEmpty(bos);
            for (int i = 0; i < bos.Count; i++)
            {
                JsonNode e = entries[i]!, b = bos[i]!;
                Assert.Equal(
                    ((uint)e["handle"]!, (ulong)e["size"]!, (ulong)e["offset"]!, (ulong)e["alloc_flags"]!, (ulong)(uint)e["preferred_domains"]!, (uint)e["is_import"]!, (ulong)e["alignment"]!, (ulong)e["addr"]!),
                    ((uint)b["gem_handle"]!, (ulong)b["size"]!, (ulong)b["offset"]!, (ulong)b["alloc_flags"]!, (ulong)b["preferred_domains"]!, (uint)b["flags"]!, (ulong)b["alignment"]!, (ulong)b["addr"]!));
                JsonArray vms = e["vm_entries"]!.AsArray(), mappings = b["mappings"]!.AsArray();
                Assert.Equal((int)(uint)e["num_of_vms"]!, mappings.Count);
                Assert.Equal(vms.Select(v => ((ulong)v!["addr"]!, (ulong)v["size"]!, (ulong)v["offset"]!, (ulong)v["flags"]!)),
                    mappings.Select(m => ((ulong)m!["addr"]!, (ulong)m["size"]!, (ulong)m["offset"]!, (ulong)m["flags"]!)));
            }
        }
    }

    [Theory]
    [InlineData("released-v3.17", "a released CRIU (v3.17..v4.2) render node holds gpu_id 0x")]
    [InlineData("released-v4.2", "a released CRIU (v3.17..v4.2) render node holds gpu_id 0x")]
    [InlineData("d5377d5d2", "a d5377d5d2 render node: its ")]
    public async Task DumpsWithoutMappings_ImportNothing_AndSaySoPerFile_Exit2(string fixture, string reason)
    {
        string output = Path.Combine(Folder, "out");
        (int code, string text, string error) = await Cli.Run("import", CriuFixtures.Path_(fixture), "-o", output);
        Assert.Equal((2, ""), (code, error));
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] nodes = [.. Directory.EnumerateFiles(CriuFixtures.Path_(fixture), "amdgpu-renderD-*.img").Order(StringComparer.Ordinal)];
        Assert.Equal(nodes.Length + 1, lines.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            Assert.StartsWith($"{nodes[i]}: skipped: {reason}", lines[i], StringComparison.Ordinal);
        }

        Assert.StartsWith($"imported 0 of {nodes.Length} render nodes", lines[^1], StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public async Task AReleasedRenderNode_NamedOnItsOwn_IsSkipped_Exit2_AndNothingIsWritten()
    {
        string node = CriuFixtures.Path_("released-v4.2/amdgpu-renderD-7.img");
        string image = Path.Combine(Folder, "x.cimg");
        (int code, string text, string error) = await Cli.Run("import", node, "-o", image);
        Assert.Equal((2, ""), (code, error));
        Assert.Equal($"{node}: skipped: a released CRIU (v3.17..v4.2) render node holds gpu_id 0x1a2b alone, no BOs: nothing to import (its GPU state is in the KFD files, which verify and info read)\n", text);
        Assert.False(File.Exists(image));
    }

    [Fact]
    public async Task VerifyOfTheImportedImage_FindsWhatVerifyOfTheDumpFindsOnItsRenderNode()
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        string node = Path.Combine(dump, "amdgpu-renderD-9.img");
        await File.WriteAllBytesAsync(node, CriuImages.File(CriuImages.Sample()));
        string output = Path.Combine(Folder, "out");
        Assert.Equal(0, (await Cli.Run("import", dump, "-o", output)).Code);

        FileReport ofDump = Assert.Single(DumpVerifier.Verify(Criu.InputPlan.Of(Criu.DumpInputs.Collect([dump], new CriuImage.Input.InputOptions(), () => Stream.Null)).Dumps[0].Dump, complete: true),
            r => r.Path == node);
        FileReport ofImage = ImageVerifier.Verify(Path.Combine(output, "amdgpu-renderD-9.cimg"), "image");
        // The image rules (CRI1xx, CRI2xx) are the ones an image can be judged by; the dump's own (CRI3xx) need the other files.
        var imageRules = ofDump.Diagnostics.Where(d => string.CompareOrdinal(d.Descriptor.Id, "CRI300") < 0).Select(d => (d.Descriptor.Id, d.GemHandle, d.Mapping, d.Message)).ToList();
        Assert.NotEmpty(imageRules);
        Assert.Equal(imageRules, ofImage.Diagnostics.Select(d => (d.Descriptor.Id, d.GemHandle, d.Mapping, d.Message)));
    }

    [Fact]
    public async Task ImportingAgain_ReplacesTheImages_AndLeavesNoTemporaryFile()
    {
        string output = Path.Combine(Folder, "out");
        Assert.Equal(0, (await Cli.Run("import", CriuFixtures.Path_("criu-dev"), "-o", output)).Code);
        byte[] first = await File.ReadAllBytesAsync(Path.Combine(output, "amdgpu-renderD-7.cimg"));
        Assert.Equal(0, (await Cli.Run("import", CriuFixtures.Path_("criu-dev"), "-o", output)).Code);
        byte[] second = await File.ReadAllBytesAsync(Path.Combine(output, "amdgpu-renderD-7.cimg"));
        // Each image draws a new id, so the replacement is a different file of the same length.
        Assert.Equal(first.Length, second.Length);
        Assert.False(first.AsSpan().SequenceEqual(second));
        Assert.Equal(["amdgpu-renderD-7.cimg", "amdgpu-renderD-8.cimg"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AFileWhereTheOutputFolderShouldBe_IsRefused_AndKept()
    {
        string output = Path.Combine(Folder, "out");
        await File.WriteAllTextAsync(output, "mine");
        (int code, string text, string error) = await Cli.Run("import", CriuFixtures.Path_("criu-dev"), "-o", output);
        Assert.Equal(2, code);
        Assert.Equal("", text);
        Assert.StartsWith($"criu-image: error: cannot write {output}: not a folder", error, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task ADumpToStandardOutput_IsRefused()
    {
        (int code, string text, string error) = await Cli.Run("import", CriuFixtures.Path_("criu-dev"), "-o", "-");
        Assert.Equal((2, ""), (code, text));
        Assert.Equal($"criu-image: error: {CriuFixtures.Path_("criu-dev")} is a dump or an archive, whose render nodes become one image each: give -o a folder, not -\n", error);
    }

    [Fact]
    public async Task AMissingInput_IsSaidAsMissing_EvenWithOutputToStandardOutput()
    {
        string missing = Path.Combine(Folder, "nothing-here");
        (int code, string text, string error) = await Cli.Run("import", missing, "-o", "-");
        Assert.Equal((2, "", $"{missing}: error: no such file or folder\n"), (code, text, error));
    }

    [Fact]
    public async Task OneRenderNode_IntoAFolder_IsWrittenUnderItsName()
    {
        (int code, string text, string error) = await Cli.Run("import", CriuFixtures.Path_("criu-dev/amdgpu-renderD-8.img"), "-o", Folder);
        Assert.Equal((0, ""), (code, error));
        string image = Path.Combine(Folder, "amdgpu-renderD-8.cimg");
        Assert.Equal($"{CriuFixtures.Path_("criu-dev/amdgpu-renderD-8.img")}: imported 1 BO, 1 mapping (gpu_id 0xc0de, file id 8, render minor 129) as {image}; no readable KFD device entry has its gpu_id: PCI ids left out\n", text);
        (ImageHeader header, List<BoEntry> bos) = await Images.ReadAsync(await File.ReadAllBytesAsync(image));
        Assert.Equal((0xC0DEu, 8u, 129u), (header.Device!.GpuId, header.Capture!.CriuFileId, header.Device.RenderMinor));
        Assert.Equal(0x2_0000_0000UL, Assert.Single(bos).Bo.Addr);
    }

    [Fact]
    public async Task AFolderOfSeveralDumps_GivesEachDumpAFolderOfItsName()
    {
        string output = Path.Combine(Folder, "out");
        (int code, string text, string error) = await Cli.Run("import", CriuFixtures.Root, "-o", output);

        // The damaged fixtures' other files that could not be read make the exit status 2, as in verify; their render nodes are still imported.
        Assert.Equal(2, code);
        Assert.All(error.TrimEnd('\n').Split('\n'), line => Assert.StartsWith(CriuFixtures.Path_("damaged/"), line, StringComparison.Ordinal));
        string[] written = [.. Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).Order(StringComparer.Ordinal)];
        // The archives in the folder are opened too, each dump under its archive's name.
        string[] expected = [.. new[] { "criu-dev", "hosts/gfx1100-2-render", "archives/checkpoint-criu-dev.tar:checkpoint", "archives/checkpoint-criu-dev.tar.gz:checkpoint" }
            .Concat(CriuFixtures.Damaged.Keys.Concat(["import-by-number", "no-contents-bos", "kfd-bo-unmapped-on-mapping"]).Select(d => $"damaged/{d}"))
            .Concat(CriuFixtures.Tasks.Keys.Concat(["same-gpu-in-two-tasks"]).Select(t => $"tasks/{t}"))
            // The KFD-only damaged dumps (kfd-queue-*) hold no render node to import.
            .Where(d => d.StartsWith("archives/", StringComparison.Ordinal) || Directory.EnumerateFiles(CriuFixtures.Path_(d), "amdgpu-renderD-*.img").Any())
            .SelectMany(d => d.StartsWith("archives/", StringComparison.Ordinal)
                ? new[] { $"{d}/amdgpu-renderD-7.cimg", $"{d}/amdgpu-renderD-8.cimg" }
                : Directory.EnumerateFiles(CriuFixtures.Path_(d), "amdgpu-renderD-*.img").Select(f => $"{d}/{Path.GetFileNameWithoutExtension(f)}.cimg")).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, written);
        Assert.EndsWith($"imported {expected.Length} of {expected.Length + 6} render nodes into {output}: 6 skipped, 0 not readable\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADamagedRenderNode_IsOneErrorLine_TheOthersAreImported_Exit2()
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        File.Copy(CriuFixtures.Path_("criu-dev/amdgpu-renderD-8.img"), Path.Combine(dump, "amdgpu-renderD-8.img"));
        byte[] cut = File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-renderD-7.img"))[..^5];
        BitConverter.TryWriteBytes(cut.AsSpan(0, 8), (ulong)(cut.Length - 8));
        string damaged = Path.Combine(dump, "amdgpu-renderD-7.img");
        await File.WriteAllBytesAsync(damaged, cut);
        string output = Path.Combine(Folder, "out");
        (int code, string text, string error) = await Cli.Run("import", dump, "-o", output);
        Assert.Equal(2, code);
        Assert.StartsWith($"{damaged}: error: at byte ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith("imported 1 of 2 render nodes into " + output + ": 0 skipped, 1 not readable\n", text, StringComparison.Ordinal);
        Assert.Equal(["amdgpu-renderD-8.cimg"], Directory.EnumerateFiles(output).Select(Path.GetFileName));
    }

    [Fact]
    public async Task StaleBytesAfterARenderNode_AreIgnoredAsCriuIgnoresThem_AndSaid()
    {
        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        byte[] node = File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-renderD-8.img"));
        await File.WriteAllBytesAsync(Path.Combine(dump, "amdgpu-renderD-8.img"), [.. node, 0x08, 0x01, 0x10]);
        string output = Path.Combine(Folder, "out");
        (int code, string text, string error) = await Cli.Run("import", dump, "-o", output);
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("; 3 stale bytes after the message ignored, as CRIU ignores them\n", text, StringComparison.Ordinal);
        string fromStale = PythonRunner.Run("read_image.py", Path.Combine(output, "amdgpu-renderD-8.cimg"));
        Assert.Equal(0, (await Cli.Run("import", CriuFixtures.Path_("criu-dev/amdgpu-renderD-8.img"), "-o", Path.Combine(Folder, "clean.cimg"))).Code);
        string clean = PythonRunner.Run("read_image.py", Path.Combine(Folder, "clean.cimg"));
        Assert.Equal(WithoutId(clean), WithoutId(fromStale));
    }

    [Fact]
    public async Task AFileThatIsNoRenderNode_IsSaid_Exit2()
    {
        string kfd = CriuFixtures.Path_("criu-dev/amdgpu-kfd-5.img");
        (int code, string text, string error) = await Cli.Run("import", kfd, "-o", Path.Combine(Folder, "x.cimg"));
        Assert.Equal((2, ""), (code, text));
        Assert.Equal($"{kfd}: error: not a CRIU amdgpu render-node file (amdgpu-renderD-<id>.img); import reads those, or the dump folder or archive holding them\n", error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Folder));
    }

    [Theory]
    [InlineData("criu-dev")]
    [InlineData("archives/checkpoint-criu-dev.tar.gz")]
    [InlineData("released-v4.2")]
    [InlineData("d5377d5d2")]
    [InlineData("damaged/truncated-kfd")]
    public async Task Golden_Output(string fixture)
    {
        string output = Path.Combine(Folder, "out");
        (int code, string text, string error) = await Cli.Run("import", CriuFixtures.Path_(fixture), "-o", output);
        Snapshot.Verify($"Criu.Import.{fixture.Replace('/', '-')}", CriuFixtures.Portable($"exit {code}\n{text}{error}").Replace(output, "OUT", StringComparison.Ordinal));
    }

    /// <summary>read_image.py's JSON without the image id, which each import draws anew (and without the pid, which only a dump's KFD image gives).</summary>
    private static string WithoutId(string json)
    {
        JsonObject image = JsonNode.Parse(json)!.AsObject();
        image.Remove("image_id");
        image["capture"]!.AsObject().Remove("pid");
        image["device"]!.AsObject().Remove("pci_vendor_id");
        image["device"]!.AsObject().Remove("pci_device_id");
        return image.ToJsonString();
    }

    /// <summary>The fixture's dump as files: the folder itself, or the archive's checkpoint/ extracted.</summary>
    private string DumpOnDisk(string fixture)
    {
        string path = CriuFixtures.Path_(fixture);
        if (Directory.Exists(path))
        {
            return path;
        }

        string extracted = Path.Combine(Folder, "extracted");
        Directory.CreateDirectory(extracted);
        using FileStream file = File.OpenRead(path);
        using Stream tar = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        TarFile.ExtractToDirectory(tar, extracted, overwriteFiles: false);
        return Path.Combine(extracted, "checkpoint");
    }
}
