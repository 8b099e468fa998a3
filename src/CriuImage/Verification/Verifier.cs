using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Verification;

/// <summary>What one <c>verify</c> run found: a report per file, in input order, and what it did not examine.</summary>
/// <param name="Reports">One report per file examined or unreadable.</param>
/// <param name="Skipped">What was not examined, with the reason.</param>
public sealed record VerifyRun(IReadOnlyList<FileReport> Reports, IReadOnlyList<SkippedInput> Skipped);

/// <summary>
/// Verifies what <see cref="InputCollector"/> found: criu-images one by one in parallel, CRIU amdgpu files
/// folder by folder as dumps (<see cref="DumpVerifier"/>), reporting in a stable order.
/// </summary>
public static class Verifier
{
    /// <summary>Verifies <paramref name="inputs"/>; reports are in input order, unreadable inputs last.</summary>
    /// <param name="inputs">What <see cref="InputCollector"/> found.</param>
    /// <param name="parallelism">Images verified at once.</param>
    /// <param name="cancellationToken">Stops the images not yet started.</param>
    /// <param name="options">The restore target and the findings listed; null: <see cref="VerifyOptions.Default"/>.</param>
    /// <param name="progress">Told how many files are done: after each image, and after each dump (all its files at once).</param>
    public static async Task<VerifyRun> VerifyAsync(InputSet inputs, int parallelism, CancellationToken cancellationToken, VerifyOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (options is { Target: null, Host.Profile: { } hostProfile })
        {
            options = options with { Target = hostProfile };
        }

        var reports = new FileReport?[inputs.Files.Count];
        InputPlan plan = InputPlan.Of(inputs);
        int done = 0;
        await Parallel.ForEachAsync(
            plan.Images,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            (i, _) =>
            {
                InputFile file = inputs.Files[i];
                reports[i] = file.DiskPath is { } disk && file.Content is null
                    ? ImageVerifier.Verify(disk, file.Path, options)
                    : ImageVerifier.Verify(file.Content ?? [], file.Path, options);
                progress?.Report(Interlocked.Increment(ref done));
                return ValueTask.CompletedTask;
            });

        foreach (PlannedDump planned in plan.Dumps)
        {
            List<FileReport> dumpReports = DumpVerifier.Verify(planned.Dump, planned.Complete, options);
            for (int k = 0; k < dumpReports.Count; k++)
            {
                reports[planned.Indices[k]] = dumpReports[k];
            }

            done += dumpReports.Count;
            progress?.Report(done);
        }

        var all = new List<FileReport>(reports.Length + inputs.Unreadable.Count);
        all.AddRange(reports.Select(r => r!));
        all.AddRange(inputs.Unreadable.Select(u => new FileReport(u.Path, FileStatus.Unreadable, [new Diagnostic(Descriptors.NotAnImage, u.Reason)], 0)));
        return new VerifyRun(all, inputs.Skipped);
    }
}
