using System.Diagnostics;
using System.Globalization;

namespace CriuImage.Bench;

/// <summary>
/// <c>criu-image verify</c> as a whole process on clean images of 10^3 up to a maximum number of mappings:
/// wall time with start-up, peak resident memory (GNU time's %M), and the in-process verify time per
/// mapping, whose flatness from 10^4 up shows that the cost grows linearly (sort aside).
/// </summary>
internal static class ScalingBench
{
    public static int Run(string cli, int max, int repeats)
    {
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"criu-image not found at {cli}: publish it with scripts/publish.sh");
            return 2;
        }

        string folder = Directory.CreateTempSubdirectory("criu-image-scaling-").FullName;
        try
        {
            Console.WriteLine($"# criu-image verify, whole process ({cli}), best of {repeats}");
            Console.WriteLine();
            Console.WriteLine("| mappings | image bytes | process wall | peak RSS | RSS above the 10^3 run, per mapping | in-process verify | ns per mapping | vs 10^4 |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            double? reference = null;
            long? baseKb = null;

            // Warm the in-process path up first, so its per-mapping column shows the steady state, not the JIT.
            byte[] warmUp = new Workload(100_000).ToImage();
            for (int i = 0; i < 20; i++)
            {
                Verification.ImageVerifier.Verify(warmUp, "warm-up");
            }

            for (int n = 1000; n <= max; n *= 10)
            {
                string path = Path.Combine(folder, $"clean-{n}.img");
                File.WriteAllBytes(path, new Workload(n).ToImage());
                (double wall, long peakKb) best = (double.MaxValue, 0);
                for (int i = 0; i < repeats; i++)
                {
                    (double wall, long peakKb) run = Measure(cli, path);
                    if (run.wall < best.wall)
                    {
                        best = run;
                    }
                }

                double inProcess = double.MaxValue;
                for (int i = 0; i < repeats; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    Verification.ImageVerifier.Verify(path, path);
                    inProcess = Math.Min(inProcess, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                double perMapping = inProcess / n * 1e9;
                baseKb ??= best.peakKb;
                reference ??= n >= 10_000 ? perMapping : null;
                string ratio = reference is { } r && n >= 10_000 ? $"{perMapping / r:F2}x" : "";
                string perMappingRss = n > 1000 ? $"{(best.peakKb - baseKb.Value) * 1024.0 / n:F1} B" : "";
                Console.WriteLine($"| {n:N0} | {new FileInfo(path).Length:N0} | {best.wall:F3} s | {best.peakKb / 1024.0:F1} MiB | {perMappingRss} | {inProcess * 1000:F1} ms | {perMapping:F1} | {ratio} |");
                File.Delete(path);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (double Wall, long PeakKb) Measure(string cli, string image)
    {
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "-f", "%M", cli, "verify", image })
        {
            start.ArgumentList.Add(argument);
        }

        long started = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        string[] lines = process.StandardError.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"verify of a clean image exited with {process.ExitCode}: {string.Join('\n', lines)}");
        }

        return (wall, long.Parse(lines[^1], CultureInfo.InvariantCulture));
    }
}
