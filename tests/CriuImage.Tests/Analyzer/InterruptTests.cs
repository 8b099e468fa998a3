using System.Diagnostics;
using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Ctrl-C (SIGINT) during a write: exit 130, the old file untouched, no temporary file left (issue 12).</summary>
[Collection(nameof(KillTests))]
public sealed class InterruptTests : TempFolder
{
    [Fact]
    public async Task Interrupted_Encode_KeepsTheOldFile_AndLeavesNothing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // not applicable here
        }

        List<BoEntry> bos = Images.Large(200);

        string json = Path.Combine(Folder, "big.json");
        await File.WriteAllTextAsync(json, await GoldenTests.Decode(await Images.WriteAsync(new ImageHeader(AbiRevision.CriuV8), bos)));
        string outputs = Directory.CreateDirectory(Path.Combine(Folder, "out")).FullName;
        string target = Path.Combine(outputs, "target.img");
        byte[] old = Images.Fixture("criu-v8");
        File.WriteAllBytes(target, old);

        // Through env --default-signal: a process started with SIGINT ignored (a suite run from a script in the
        // background, as `cmd &` in a non-interactive shell does) passes that on, and the CLI rightly keeps an ignored
        // SIGINT ignored, as a background job should.
        var start = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string argument in new[] { "--default-signal=INT", CliProcess.Executable, "encode", json, "-o", target })
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start)!;
        Task<string> error = child.StandardError.ReadToEndAsync();
        // Interrupted as soon as it holds the input or the output open (reading big.json, or writing the temporary file):
        // a fixed delay was too long for a quiet machine and too short for a loaded one. The watch runs on a thread of
        // its own and sends the signal itself: in the suite a thread-pool continuation came too late (the encode had
        // ended, seen once on a fresh clone).
        bool interrupted = await Task.Factory.StartNew(
            () => InterruptWhenWorking(child, Folder), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!interrupted)
        {
            await child.WaitForExitAsync();
            Assert.Fail($"the encode ended (exit {child.ExitCode}) before it could be interrupted: {await error}");
        }

        await child.WaitForExitAsync();
        Assert.Equal(130, child.ExitCode);
        Assert.Contains("criu-image: interrupted", await error, StringComparison.Ordinal);
        Assert.Equal(old, File.ReadAllBytes(target));
        Assert.Equal([target], Directory.GetFileSystemEntries(outputs));
    }

    private const int SigInt = 2;

    /// <summary>
    /// Waits until <paramref name="child"/> has a file under <paramref name="folder"/> open, then sends it SIGINT (through
    /// libc, not a `kill` process: starting one takes longer than the rest of the encode on a loaded machine); false when
    /// it ended first.
    /// </summary>
    private static bool InterruptWhenWorking(Process child, string folder)
    {
        string fds = $"/proc/{child.Id}/fd";
        var waited = Stopwatch.StartNew();
        while (!child.HasExited && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(fds).Any(fd => new FileInfo(fd).LinkTarget?.StartsWith(folder + "/", StringComparison.Ordinal) == true))
                {
                    return Kill(child.Id, SigInt) == 0;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while its descriptors were read.
            }

            Thread.Sleep(1);
        }

        return false;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
