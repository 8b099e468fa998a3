using System.Diagnostics;

namespace CriuImage.Tests.Support;

/// <summary>The peak memory of the built tool run as a child process.</summary>
internal static class PeakMemory
{
    /// <summary>
    /// The child's peak resident set, as the kernel counts it when the child is reaped (ru_maxrss of the waited-for
    /// child, read by a python3 parent). Sampling /proc/PID/status while it ran missed the peak on a loaded machine
    /// (a 10^5-mapping plan read as 14 MiB, then the growth to 10^6 as 124 MiB); its output goes to /dev/null.
    /// </summary>
    /// <param name="arguments">The tool's arguments as shell words, redirections included (<c>verify - &lt; FILE</c>).</param>
    /// <param name="exit">The exit status the run must end with.</param>
    public static async Task<long> Of(string arguments, int exit = 0)
    {
        var start = new ProcessStartInfo(PythonRunner.Interpreter) { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import resource, subprocess, sys; r = subprocess.run(['/bin/sh', '-c', sys.argv[1]]).returncode; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r if r >= 0 else 128 - r)");
        start.ArgumentList.Add($"exec {CliProcess.Quote(CliProcess.Executable)} {arguments} > /dev/null 2>&1");
        using Process process = Process.Start(start)!;
        string printed = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        long peak = long.Parse(printed.Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        Assert.Equal(exit, process.ExitCode);
        Assert.True(peak > 0, "no peak read");
        return peak;
    }
}
