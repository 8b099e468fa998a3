using System.Text.RegularExpressions;
using CriuImage.Input;
using CriuImage.IO;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// A named input is opened once and told by what was opened (<see cref="InputPaths.Open"/>): no stat of its path
/// comes before the open, so a path swapped between a look and the read cannot be read as something else.
/// </summary>
public sealed partial class InputOpenFirstTests : TempFolder
{
    [Fact]
    public void WhatWasOpened_IsRead_WhateverThePathBecomesAfter()
    {
        if (!Posix.Supported)
        {
            return; // not applicable here: the descriptor's type comes from statx
        }

        string path = Path.Combine(Folder, "input.img");
        File.WriteAllBytes(path, [1, 2, 3]);
        (Microsoft.Win32.SafeHandles.SafeFileHandle handle, uint type) = InputPaths.Open(path);
        using (handle)
        {
            // The path now names a FIFO: what was opened is still the file, and is read as one.
            File.Delete(path);
            Assert.Equal(0, Mkfifo(path));
            Assert.Equal(Posix.Regular, type);
            Assert.Equal(Posix.Regular, Posix.Stat(handle).Type);
            byte[] read = new byte[3];
            Assert.Equal(3, RandomAccess.Read(handle, read, 0));
            Assert.Equal([1, 2, 3], read);
        }
    }

    [Fact]
    public async Task EveryCommand_OpensANamedInput_BeforeAnythingLooksAtItsPath()
    {
        if (!Posix.Supported || !File.Exists("/usr/bin/strace"))
        {
            return; // not applicable here: strace(1) shows the system calls (scripts/test.sh installs it)
        }

        foreach (string command in new[] { "verify", "info", "restorable", "plan", "show", "decode", "stats" })
        {
            foreach (string input in NamedInputs()[..2])
            {
                string[] calls = await CallsOn(input, command, "openat,open,statx,newfstatat,stat,lstat,access,readlink");
                Assert.True(calls.Length > 0 && OpenFirst().IsMatch(calls[0]), $"{command} {Path.GetFileName(input)}: the first system call on the path is not the open: {string.Join(" | ", calls)}");
            }
        }
    }

    /// <summary>
    /// A named input is opened once and read through that descriptor: a criu-image by verify and info (which opened it
    /// again by its path), a render node and a file of no kind by plan, show, decode and stats (which opened it twice,
    /// once to tell it is not an image, then again to collect it), so what is read is what was first opened.
    /// </summary>
    [Fact]
    public async Task EveryCommand_OpensANamedInput_Once()
    {
        if (!Posix.Supported || !File.Exists("/usr/bin/strace"))
        {
            return; // not applicable here: strace(1) shows the system calls (scripts/test.sh installs it)
        }

        foreach (string command in new[] { "verify", "info", "plan", "show", "decode", "stats" })
        {
            foreach (string input in NamedInputs())
            {
                string[] opens = await CallsOn(input, command, "openat,open");
                Assert.True(opens.Length == 1, $"{command} {Path.GetFileName(input)}: {opens.Length} opens of the path: {string.Join(" | ", opens)}");
            }
        }
    }

    /// <summary>
    /// A render node found in a dump folder is read through the descriptor it was found with: every command opened it
    /// once to look at it and again by its path to read it (2 opens each before).
    /// </summary>
    [Fact]
    public async Task EveryCommand_OpensARenderNodeFoundInAFolder_Once()
    {
        if (!Posix.Supported || !File.Exists("/usr/bin/strace"))
        {
            return; // not applicable here: strace(1) shows the system calls (scripts/test.sh installs it)
        }

        string dump = Path.Combine(Folder, "dump");
        Directory.CreateDirectory(dump);
        foreach (string file in Directory.GetFiles(Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev")))
        {
            File.Copy(file, Path.Combine(dump, Path.GetFileName(file)));
        }

        string node = Path.Combine(dump, "amdgpu-renderD-7.img");
        foreach (string command in new[] { "verify", "info", "restorable", "plan", "show", "decode" })
        {
            string trace = Path.Combine(Folder, "trace");
            await CliProcess.Bash($"strace -f -qq -e trace=openat,open -o {CliProcess.Quote(trace)} \"$CLI\" {command} {CliProcess.Quote(dump)} > /dev/null 2>&1");
            string[] opens = [.. File.ReadLines(trace).Where(l => l.Contains($"\"{node}\"", StringComparison.Ordinal))];
            Assert.True(opens.Length == 1, $"{command} of the folder: {opens.Length} opens of {Path.GetFileName(node)}: {string.Join(" | ", opens)}");
        }
    }

    /// <summary>A criu-image, a CRIU render node and 3 MiB of no kind, in the test's folder.</summary>
    private string[] NamedInputs()
    {
        string image = Path.Combine(Folder, "image.img");
        string node = Path.Combine(Folder, "amdgpu-renderD-7.img");
        string notes = Path.Combine(Folder, "notes.txt");
        if (!File.Exists(notes))
        {
            File.Copy(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"), image);
            File.Copy(Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev", "amdgpu-renderD-7.img"), node);
            File.WriteAllBytes(notes, new byte[3 << 20]);
        }

        return [image, node, notes];
    }

    /// <summary>The system calls of <paramref name="calls"/> (strace's -e trace list) that <c>criu-image COMMAND INPUT</c> made on the path.</summary>
    private async Task<string[]> CallsOn(string input, string command, string calls)
    {
        string trace = Path.Combine(Folder, "trace");
        await CliProcess.Bash($"strace -f -qq -e trace={calls} -o {CliProcess.Quote(trace)} \"$CLI\" {command} {CliProcess.Quote(input)} > /dev/null 2>&1");
        return [.. File.ReadLines(trace).Where(l => l.Contains($"\"{input}\"", StringComparison.Ordinal))];
    }

    /// <summary>openat of the path for reading, without waiting and without taking a terminal (<see cref="Posix.OpenForReading"/>).</summary>
    [GeneratedRegex(@"openat\(AT_FDCWD, ""[^""]*"", O_RDONLY\|O_NOCTTY\|O_NONBLOCK\|O_CLOEXEC\)")]
    private static partial Regex OpenFirst();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(string path, uint mode = 0x180);
}
