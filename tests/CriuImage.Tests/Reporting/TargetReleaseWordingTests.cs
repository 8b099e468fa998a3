using System.Text.Json.Nodes;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// A target kernel chosen by its release is named by that release, not by the line model its calls are checked with
/// (the 6.18 profile stands for every 6.18 and 7.x release): restorable's rows for a kernel interval name the release
/// standing for it, and plan's headline the release given to --target-kernel.
/// </summary>
public sealed class TargetReleaseWordingTests
{
    [Fact]
    public async Task RestorableRows_NameTheReleaseTheyStandFor()
    {
        (int code, string json, _) = await Cli.Run("restorable", CriuFixtures.Path_("criu-dev"), "--format", "json");
        Assert.Equal(1, code);
        JsonNode[] rows = [.. JsonNode.Parse(json)!["dumps"]![0]!["rows"]!.AsArray().Select(r => r!)];
        int named = 0;
        foreach ((string kernel, string release) in Restorability.Kernels)
        {
            foreach (JsonNode row in rows.Where(r => r["kernel"]!.GetValue<string>() == kernel && r["criu"]!.GetValue<string>() == "criu-dev"))
            {
                string message = row["message"]?.GetValue<string>() ?? "";
                Assert.DoesNotContain("(profile ", message, StringComparison.Ordinal);
                if (message.Contains("the target (", StringComparison.Ordinal))
                {
                    Assert.Contains($"the target (kernel {release})", message, StringComparison.Ordinal);
                    named++;
                }
            }
        }

        // Every criu-dev row fails at CHANGE_HANDLE on the criu-dev dump's render nodes, before 6.18 and from 6.18.36 on.
        Assert.True(named >= 2 * 6, $"{named} rows name the target");
        JsonNode last = rows.Last(r => r["criu"]!.GetValue<string>() == "criu-dev" && r["kernel"]!.GetValue<string>() == "7.3 and later");
        Assert.Contains("the target (kernel 7.3.0) refuses DRM_IOCTL_GEM_CHANGE_HANDLE", last["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("6.18.36", "calls on 6.18.36 (profile 6.18): refused")]
    [InlineData("6.8.0-51-generic", "calls on 6.8.0-51-generic (profile pre-6.18): refused")]
    public async Task PlanHeadline_NamesTheReleaseGiven(string release, string expected)
    {
        (_, string text, _) = await Cli.Run("plan", CriuFixtures.Path_("criu-dev"), "--target-kernel", release);
        string headline = text.Split('\n')[0];
        Assert.Contains(expected, headline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanHeadline_NamesTheProfile_WhenNoReleaseIsGiven()
    {
        (_, string text, _) = await Cli.Run("plan", CriuFixtures.Path_("criu-dev"), "--target", "6.18");
        // The profile alone is the line's model (6.18 .. 6.18.35, which have CHANGE_HANDLE): named as the profile.
        Assert.Contains("calls on 6.18: no call refused", text.Split('\n')[0], StringComparison.Ordinal);
    }
}
