using System.Text;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A CRIU file read from standard input has no name, so no file id (-1): the contents files it would name are said
/// with <c>&lt;id&gt;</c>, in every command, never as a name made with -1 (<c>amdgpu-pages--1-c0de.img</c>), which
/// CRIU never writes. verify said it so; plan's and restorable's replayed contents lines and endings did not.
/// </summary>
public sealed class StandardInputNameTests
{
    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string file in new[] { "criu-dev/amdgpu-kfd-5.img", "d5377d5d2/amdgpu-renderD-7.img", "criu-dev/amdgpu-renderD-7.img" })
        {
            foreach (string command in new[] { "verify", "plan", "restorable", "show", "info" })
            {
                cases.Add(file, command);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AFileOnStandardInput_NamesNoFileWithItsUnknownId(string file, string command)
    {
        foreach (string format in new[] { "text", "json" })
        {
            using var input = new MemoryStream(File.ReadAllBytes(CriuFixtures.Path_(file)));
            using var output = new MemoryStream();
            using var errors = new StringWriter();
            await Analyzer.Program.RunAsync([command, "--format", format, "-"], input, output, errors);
            string said = Encoding.UTF8.GetString(output.ToArray()) + errors;

            Assert.DoesNotMatch(@"amdgpu-[a-z_-]+?--1-", said);
        }
    }

    [Fact]
    public async Task PlanOfAKfdImageOnStandardInput_SaysItsPagesFilesWithTheIdUnknown()
    {
        using var input = new MemoryStream(File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-kfd-5.img")));
        using var output = new MemoryStream();
        using var errors = new StringWriter();
        await Analyzer.Program.RunAsync(["plan", "-"], input, output, errors);
        string plan = Encoding.UTF8.GetString(output.ToArray());

        Assert.Contains("CONTENTS {pages=amdgpu-pages-<id>-c0de.img", plan, StringComparison.Ordinal);
        Assert.Contains("read from byte 40968 of amdgpu-pages-<id>-c0de.img", plan, StringComparison.Ordinal);
    }
}
