using System.CommandLine;
using CriuImage.Reporting;
using CriuImage.Restore;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image plan IMAGE [--target KERNEL] [--format text|json]</c>: the calls a restorer makes, and which the target refuses.</summary>
internal static class PlanCommand
{
    public static Command Create(StandardStreams std)
    {
        TextWriter output = std.Text;
        TextWriter error = std.Error;
        var image = new Argument<string>("IMAGE") { Description = "The image to plan the restore of (- reads standard input)." };
        Option<string?> target = TargetOption();
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("plan", "Show the calls CRIU's restore makes for an image (GEM_CREATE, CHANGE_HANDLE, GEM_MMAP, GEM_VA), the ones the target kernel refuses, and the repairs a restorer can make.") { image, target, format };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(image)!;
            return CommandErrors.RunAsync(path, error, async () =>
            {
                RestorePlan plan = path == "-"
                    ? RestorePlan.Create(await std.ReadAllBytesAsync(path, cancellationToken), "<stdin>", Profile(parse.GetValue(target)))
                    : RestorePlan.Create(path, path, Profile(parse.GetValue(target)));
                if (parse.GetValue(format) == "json")
                {
                    using var buffer = new MemoryStream();
                    PlanReport.WriteJson(plan, buffer);
                    await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                }
                else
                {
                    await output.WriteAsync(PlanReport.WriteText(plan));
                }

                return plan.Calls.Any(c => c.Refused) ? ExitCodes.Findings : ExitCodes.Success;
            });
        });
        return command;
    }

    /// <summary><c>--target KERNEL</c>, shared with verify: one of <see cref="KernelProfile.All"/>; absent means the generation that produced the image's revision.</summary>
    public static Option<string?> TargetOption()
    {
        var target = new Option<string?>("--target") { Description = "Kernel the image is restored on: " + string.Join(", ", KernelProfile.All.Select(p => p.Name)) + " (default: the one that produced the image's revision)." };
        target.AcceptOnlyFromAmong([.. KernelProfile.All.Select(p => p.Name)]);
        return target;
    }

    /// <summary>The profile named on the command line, or null for each image's default.</summary>
    public static KernelProfile? Profile(string? name) => name is not null && KernelProfile.TryParse(name, out KernelProfile profile) ? profile : null;
}
