using System.Diagnostics;

namespace CriuImage.Tests.Support;

/// <summary>
/// Runs Debian's /usr/bin/python3 (with python3-msgpack, installed by the test command) as the
/// independent implementation the codec and the format are checked against.
/// </summary>
internal static class PythonRunner
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>Runs a script from tests/CriuImage.Tests/python with arguments; returns standard output, failing the test on a non-zero exit.</summary>
    public static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Python, script));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish within 2 minutes");
        }

        Assert.True(process.ExitCode == 0, $"{script} exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }
}
