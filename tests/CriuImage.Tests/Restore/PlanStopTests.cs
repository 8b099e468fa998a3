using System.Text;
using System.Text.Json.Nodes;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// CRIU returns the error at the first refused call and makes no later one: plan says where its restore stops and
/// marks every call after it not reached, its problems said as if it were made alone, never as a refusal of a call made.
/// </summary>
public class PlanStopTests
{
    [Fact]
    public void AfterTheFirstRefusal_NoCallIsReached_AndItsProblemsAreNotRefusals()
    {
        // Both GEM_VAs of BO 2 overlap BO 1's first mapping: the kernel refuses the first, and CRIU stops there.
        string path = Path.Combine(RepoPaths.Fixtures, "verify", "CRI205-mapping-overlap.img");
        RestorePlan plan = RestorePlan.Create(File.ReadAllBytes(path), "overlap.img");
        string text = PlanReport.WriteText(plan);
        Assert.Contains("10 calls, refused at call 9, where the restore stops: 1 after it not reached", text, StringComparison.Ordinal);
        string[] lines = text.Split('\n');
        Assert.Single(lines, l => l.EndsWith("  REFUSED", StringComparison.Ordinal));
        Assert.Single(lines, l => l.EndsWith("mapping 1 {operation=MAP, flags=0x6, va_address=0x100e000, offset_in_bo=0x0, map_size=0x2000}  NOT REACHED", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("    not reached; made alone: -EINVAL CRI205: ", StringComparison.Ordinal));

        using var json = new MemoryStream();
        PlanReport.WriteJson(plan, json);
        JsonNode root = JsonNode.Parse(json.ToArray())!;
        Assert.Equal(8, (int)root["stops_at"]!);
        Assert.Equal([9], root["calls"]!.AsArray().Select((c, i) => (c, i)).Where(x => x.c!["reached"] is not null).Select(x => x.i));
    }

    [Fact]
    public void TheStreamedPlan_StopsWhereTheHeldPlanStops()
    {
        foreach (string path in Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.img").Order(StringComparer.Ordinal))
        {
            byte[] image = File.ReadAllBytes(path);
            StreamedRestorePlan streamed;
            try
            {
                streamed = StreamedRestorePlan.Create(image, "x.img");
            }
            catch (CriuImage.Diagnostics.ImageFormatException)
            {
                continue;
            }

            using var text = new StringWriter();
            PlanReport.WriteText(streamed, text);
            Assert.Equal(PlanReport.WriteText(streamed.ToPlan()), text.ToString());
            Assert.Equal(PlanStop.Of(streamed.ToPlan().Calls), streamed.Stop);
        }
    }
}
