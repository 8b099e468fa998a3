using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// contrib/criu-amdgpu-plugin-criu-image.patch (where CRIU's amdgpu plugin would write a criu-image at dump
/// time) applies to a CRIU tree and compiles with -Wall -Werror against criu_image.h. CI has no network and no
/// CRIU tree, so this runs only when <c>CRIU_IMAGE_CRIU_TREE</c> names one (a checkout or a bare git dir):
/// <c>CRIU_IMAGE_CRIU_TREE=/path/to/criu dotnet test --filter CriuPatchTests</c>.
/// </summary>
public sealed class CriuPatchTests
{
    [CriuTreeFact]
    public void ThePluginPatch_AppliesToCriu_AndCompilesAgainstTheHeader()
    {
        string tree = Environment.GetEnvironmentVariable(CriuTreeFactAttribute.Variable)!;
        var (code, output, error) = NativeArtifacts.Run(Path.Combine(RepoPaths.Root, "contrib", "check-criu-patch.sh"), RepoPaths.Root, [tree]);
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("with the patch compiles against", output, StringComparison.Ordinal);
    }
}

/// <summary>Skipped, with the reason, unless <c>CRIU_IMAGE_CRIU_TREE</c> names a CRIU tree.</summary>
public sealed class CriuTreeFactAttribute : FactAttribute
{
    public const string Variable = "CRIU_IMAGE_CRIU_TREE";

    public CriuTreeFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: it names a CRIU tree to compile contrib/criu-amdgpu-plugin-criu-image.patch against (no network in CI)";
        }
    }
}
