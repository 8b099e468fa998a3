using CriuImage.Diagnostics;
using CriuImage.Input;
using CriuImage.Verification;

namespace CriuImage.Reporting;

/// <summary>
/// Every finding of a verify run written without holding them (<c>--max-findings 0</c> as JSON or SARIF, whose
/// documents put each file's summary, or every file, before the findings): a first run gives the reports without
/// their findings; a second makes the findings again, in the same order, as they are written.
/// </summary>
internal static class StreamedFindings
{
    /// <summary>Bytes a JSON writer holds before they go to its stream.</summary>
    public const int FlushAt = 1 << 16;

    /// <summary>The run's reports, each without its findings (an image's are dropped as found; a dump's once its files are verified).</summary>
    public static VerifyRun Summaries(InputSet inputs, VerifyOptions options, CancellationToken cancellationToken)
    {
        VerifyRun run = Verifier.VerifyInOrder(inputs, options, (_, _) => { }, _ => { }, cancellationToken);
        return new VerifyRun([.. run.Reports.Select(r => r with { Diagnostics = [] })], run.Skipped);
    }

    /// <summary>
    /// Verifies again and hands over, per report of <paramref name="run"/> in order, its start, each finding as it is
    /// found, then its end.
    /// </summary>
    /// <exception cref="InvalidOperationException">A file gave other totals than the first time (it changed while read).</exception>
    public static void Replay(InputSet inputs, VerifyOptions options, VerifyRun run, Action<FileReport> start, Action<Diagnostic> finding, Action<FileReport> end, CancellationToken cancellationToken)
    {
        int next = 0;
        bool open = false;
        void Open()
        {
            if (!open)
            {
                start(run.Reports[next]);
                open = true;
            }
        }

        Verifier.VerifyInOrder(
            inputs,
            options,
            (_, d) =>
            {
                Open();
                finding(d);
            },
            report =>
            {
                FileReport first = run.Reports[next];
                if (report.Summary != first.Summary)
                {
                    throw new InvalidOperationException($"{report.Path} changed while it was verified: its findings differ between two readings");
                }

                Open();
                foreach (Diagnostic d in report.Diagnostics)
                {
                    finding(d);
                }

                end(first);
                next++;
                open = false;
            },
            cancellationToken);
    }
}
