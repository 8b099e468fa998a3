using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// libcriuimage.so and criu_image.h as C programs use them (scripts/publish.sh builds them under artifacts/;
/// scripts/test.sh installs gcc, pkg-config and valgrind): examples/c/write_and_verify.c links through
/// pkg-config, writes, commits and verifies an image under valgrind, which must find no memory error and no
/// leak; examples/c/verify_file.c knows only the header, in strict ISO C.
/// </summary>
public sealed class NativeLibraryTests : TempFolder
{
    [NativeFact]
    public async Task CExample_LinksWritesCommitsAndVerifies_WithNoMemoryErrorOrLeak()
    {
        string program = Compile("write_and_verify.c", "-std=gnu11", "-Wall", "-Wextra", "-Werror");
        string image = Path.Combine(Folder, "renderD128.cimg");
        var (code, output, error) = NativeArtifacts.Run("valgrind", Folder, ["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite", program, image]);

        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("ERROR SUMMARY: 0 errors", error, StringComparison.Ordinal);
        Assert.Contains("definitely lost: 0 bytes", error, StringComparison.Ordinal);
        Assert.StartsWith("verify exit 0\n", output, StringComparison.Ordinal);
        (int planCode, string plan, _) = await Cli.Run("plan", "--format", "json", "--target-kernel", "6.18.1", "--", image);
        Assert.Equal(0, planCode);
        Assert.Contains($"plan exit 0\n{plan}libcriuimage {Reporting.ToolInfo.Version}\n", output, StringComparison.Ordinal);
        Assert.Contains("criu_image_write_mappings: BO 2 has 1 mappings; 0 were given and 3 more is too many", error, StringComparison.Ordinal);

        // The image is what the C structs said, read back by the library.
        await using ImageReader reader = ImageReader.Open(image);
        Assert.Equal(Abi.AbiRevision.Linux6_18, (await reader.ReadHeaderAsync()).Abi);
        var bos = new List<(uint Handle, ulong? Offset, ulong Size, ulong? Alignment, ulong[] Addresses)>();
        await foreach (BoEntry bo in reader.ReadBosAsync())
        {
            bos.Add((bo.Bo.GemHandle, bo.Bo.Offset, bo.Bo.Size, bo.Bo.Alignment, [.. bo.Mappings.Select(m => m.Addr)]));
        }

        Assert.Equal(2, bos.Count);
        Assert.Equal((1u, (ulong?)0x100000000, 1UL << 20, (ulong?)1), (bos[0].Handle, bos[0].Offset, bos[0].Size, bos[0].Alignment));
        Assert.Equal([0x100000000UL, 0x100080000UL], bos[0].Addresses);
        Assert.Equal((2u, (ulong?)0x100100000, 64UL << 10), (bos[1].Handle, bos[1].Offset, bos[1].Size));
        Assert.Equal([0x200000000UL], bos[1].Addresses);
        Assert.Single(Directory.GetFiles(Folder, "*.cimg*"));
    }

    [NativeFact]
    public async Task AProgramThatKnowsOnlyTheHeader_CompilesAsStrictIsoC_AndVerifiesAsTheCliDoes()
    {
        foreach (string standard in new[] { "-std=c99", "-std=c11" })
        {
            Compile("verify_file.c", standard, "-pedantic", "-Wall", "-Wextra", "-Werror", "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wconversion");
        }

        var (cxx, _, cxxError) = NativeArtifacts.Run("g++", Folder, ["-std=c++11", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c++", Path.Combine(NativeArtifacts.IncludeFolder, "criu_image.h")]);
        Assert.True(cxx == 0, cxxError);

        string program = Compile("verify_file.c", "-std=c99", "-pedantic", "-Wall", "-Werror");
        foreach ((string path, string? kernel) in new[] { ("fixtures/verify/CRI205-mapping-overlap.img", null), ("fixtures/criu/criu-dev", "6.18.1"), ("fixtures/criu/damaged/truncated-kfd", null), ("no/such.img", null), ("-", null) })
        {
            var ours = NativeArtifacts.Run(program, RepoPaths.Root, kernel is null ? [path] : [path, kernel]);
            (int code, string json, string error) = await Cli.Run(["verify", "--format", "json", .. kernel is null ? Array.Empty<string>() : ["--target-kernel", kernel], "--", Path.Combine(RepoPaths.Root, path)]);
            if (path == "-")
            {
                Assert.Equal((2, "", "criu_image_verify: the path is -, which is standard input to the CLI; name a file\n"), ours);
                continue;
            }

            string root = RepoPaths.Root + "/";
            Assert.Equal((code, json.Replace(root, "", StringComparison.Ordinal), error.Replace(root, "", StringComparison.Ordinal).TrimEnd('\n')), (ours.Code, ours.Output, ours.Error.TrimEnd('\n')));
        }
    }

    [NativeFact]
    public void TheLibraryExports_ExactlyTheFunctionsTheHeaderDeclares()
    {
        string header = File.ReadAllText(Path.Combine(NativeArtifacts.IncludeFolder, "criu_image.h"));
        string[] declared = [.. System.Text.RegularExpressions.Regex.Matches(header, @"^[a-z][^(\n]*?\b(criu_image_[a-z0-9_]+)\(", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)];
        var (code, symbols, error) = NativeArtifacts.Run("nm", Folder, ["-D", "--defined-only", Path.Combine(NativeArtifacts.LibraryFolder, "libcriuimage.so")]);
        Assert.True(code == 0, error);
        string[] exported = [.. symbols.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[^1].Split('@')[0]).Where(n => n.StartsWith("criu_image_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.Equal(declared, exported);
        Assert.Equal(13, declared.Length);
    }

    private string Compile(string source, params string[] flags) => CExamples.Compile(Folder, source, flags);
}
