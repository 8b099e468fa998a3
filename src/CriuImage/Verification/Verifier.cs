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
    /// <summary>Verifies <paramref name="inputs"/>; reports are in input order, then the checkpoint artifacts' findings, unreadable inputs last.</summary>
    /// <param name="inputs">What <see cref="InputCollector"/> found.</param>
    /// <param name="parallelism">Images verified at once.</param>
    /// <param name="cancellationToken">Stops the images not yet started.</param>
    /// <param name="options">The restore target and the findings listed; null: <see cref="VerifyOptions.Default"/>.</param>
    /// <param name="progress">Told how many files are done: after each image, and after each dump (all its files at once).</param>
    public static async Task<VerifyRun> VerifyAsync(InputSet inputs, int parallelism, CancellationToken cancellationToken, VerifyOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options = WithHostTarget(options);
        var reports = new FileReport?[inputs.Files.Count];
        InputPlan plan = InputPlan.Of(inputs);
        int done = 0;
        await Parallel.ForEachAsync(
            plan.Images,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            (i, _) =>
            {
                InputFile file = inputs.Files[i];
                reports[i] = VerifyImage(file, options);
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
        all.AddRange(ArtifactRules.Check(inputs));
        all.AddRange(inputs.Unreadable.Select(Unreadable));
        return new VerifyRun(all, inputs.Skipped);
    }

    /// <summary>
    /// Verifies <paramref name="inputs"/> one file after another in the order of <see cref="VerifyAsync"/>'s
    /// reports, so that a report can be written while the next file is checked: each finding of a criu-image
    /// goes to <paramref name="listed"/> as it is found (its report then lists none), each report to
    /// <paramref name="done"/> as soon as it is complete. A dump is verified whole when its first file comes.
    /// Memory holds one image's rules and one dump, never the findings of an image.
    /// </summary>
    /// <returns>The reports in that order (criu-images' without their findings) and what was skipped.</returns>
    public static VerifyRun VerifyInOrder(InputSet inputs, VerifyOptions options, Action<string, Diagnostic> listed, Action<FileReport> done, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(listed);
        ArgumentNullException.ThrowIfNull(done);
        options = WithHostTarget(options);
        InputPlan plan = InputPlan.Of(inputs);
        var dumpOf = new Dictionary<int, PlannedDump>();
        foreach (PlannedDump planned in plan.Dumps)
        {
            foreach (int index in planned.Indices)
            {
                dumpOf[index] = planned;
            }
        }

        var held = new Dictionary<int, FileReport>();
        var all = new List<FileReport>(inputs.Files.Count + inputs.Unreadable.Count);
        for (int i = 0; i < inputs.Files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            InputFile file = inputs.Files[i];
            if (!held.Remove(i, out FileReport? report))
            {
                if (dumpOf.TryGetValue(i, out PlannedDump? planned))
                {
                    List<FileReport> dumpReports = DumpVerifier.Verify(planned.Dump, planned.Complete, options);
                    for (int k = 0; k < dumpReports.Count; k++)
                    {
                        held[planned.Indices[k]] = dumpReports[k];
                    }

                    held.Remove(i, out report);
                }
                else
                {
                    VerifyOptions streamed = options with { Listed = d => listed(file.Path, d) };
                    report = VerifyImage(file, streamed);
                }
            }

            all.Add(report!);
            done(report!);
        }

        foreach (FileReport artifact in ArtifactRules.Check(inputs))
        {
            all.Add(artifact);
            done(artifact);
        }

        foreach (UnreadableInput unreadable in inputs.Unreadable)
        {
            all.Add(Unreadable(unreadable));
            done(all[^1]);
        }

        return new VerifyRun(all, inputs.Skipped);
    }

    /// <summary>
    /// Verifies a file planned as an image; one that is not (no magic, no CRIU kind told) is said as every other
    /// command says it, rather than as the image reader's failure at its magic.
    /// </summary>
    private static FileReport VerifyImage(InputFile file, VerifyOptions options)
    {
        if (NeitherFile.Is(file))
        {
            var neither = new Diagnostic(Descriptors.NotAnImage, NeitherFile.Line(file, options.Words));
            options.Listed?.Invoke(neither);
            return new FileReport(file.Path, FileStatus.Unreadable, [neither], 0);
        }

        return file.ReadPath is { } disk && file.Content is null
            ? ImageVerifier.Verify(disk, file.Path, options)
            : ImageVerifier.Verify(file.Content ?? [], file.Path, options);
    }

    private static FileReport Unreadable(UnreadableInput u) => new(u.Path, FileStatus.Unreadable, [new Diagnostic(Descriptors.NotAnImage, u.Reason)], 0);

    /// <summary>The options with the host's kernel as the target when none is named.</summary>
    private static VerifyOptions WithHostTarget(VerifyOptions? options)
    {
        options ??= VerifyOptions.Default;
        return options is { Target: null, Host.Profile: { } hostProfile } ? options with { Target = hostProfile } : options;
    }
}
