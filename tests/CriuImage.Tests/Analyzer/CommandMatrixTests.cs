using System.Diagnostics;
using System.Text;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// Every command over every kind of input, run as a user runs it (the built executable under bash, so that
/// <c>&lt;(...)</c>, FIFOs and closed descriptors are real): the exit codes agree across commands for the same
/// content, and every failure is said in lines of our own, never a stack trace or a hang. The tables are
/// data: an input kind is one line of <see cref="Kinds"/> (the zstd and OCI kinds of the input layer go there).
/// </summary>
public sealed class CommandMatrixTests : TempFolder
{
    /// <summary>A run that takes longer than this is a hang.</summary>
    private const int TimeoutSeconds = 30;

    private static readonly string Image = Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img");
    private static readonly string Json = Path.Combine(RepoPaths.Fixtures, "criu-2025-06.json");
    private static readonly string Dump = Path.Combine(RepoPaths.Fixtures, "criu", "criu-dev");
    private static readonly string Tar = Path.Combine(RepoPaths.Fixtures, "criu", "archives", "checkpoint-criu-dev.tar");
    private static readonly string Tgz = Path.Combine(RepoPaths.Fixtures, "criu", "archives", "checkpoint-criu-dev.tar.gz");
    private static readonly string DamagedDump = Path.Combine(RepoPaths.Fixtures, "criu", "damaged", "truncated-kfd");
    private static readonly string Topology = Path.Combine(RepoPaths.Fixtures, "topology", "mi100-2");
    private static readonly string Checkpoints = Path.Combine(RepoPaths.Fixtures, "checkpoints");

    /// <summary>Podman's default export: zstd, under the <c>.tar.gz</c> name Podman users give it.</summary>
    private static readonly string ZstdExport = Path.Combine(Checkpoints, "podman-export.tar.gz");
    private static readonly string OciLayout = Path.Combine(Checkpoints, "podman-image");

    /// <summary>What an input holds, which decides the commands it is for and, with the command, the exit code.</summary>
    private enum Content
    {
        /// <summary>A clean criu-image: every image command exits 0.</summary>
        Image,

        /// <summary>A clean CRIU dump (folder, archive, stream of an archive): every dump command exits 0.</summary>
        Dump,

        /// <summary>A JSON interchange document, for encode.</summary>
        Json,

        /// <summary>A KFD topology, for host-check and host-snapshot.</summary>
        Topology,

        /// <summary>Nothing usable (closed, empty, damaged, unreadable, of another kind): every command exits 2.</summary>
        Bad,
    }

    /// <summary>
    /// An input: its name, what it holds, how to give it (the argument, with what the shell does before and around
    /// the command), and what the dump commands must say of it (every command when <paramref name="SaidByAll"/>).
    /// </summary>
    private sealed record Kind(string Name, Content Content, Func<CommandMatrixTests, Given> Make, bool Unprivileged = false, string? Says = null, bool SaidByAll = false);

    /// <summary>The argument as bash sees it (already quoted), a prefix (a pipe into the command, a writer for a FIFO) and redirections after it.</summary>
    private sealed record Given(string Argument, string Prefix = "", string Redirections = "");

    /// <summary>A command, the contents it takes, and its arguments around the input; <paramref name="DumpExit"/>: its exit code for the clean dump of every kind.</summary>
    private sealed record CommandCase(string Name, Content[] Takes, Func<string, string, string[]> Arguments, int DumpExit = 0);

    private static readonly Kind[] Kinds =
    [
        new("image file", Content.Image, t => new(Q(Image))),
        new("image on -", Content.Image, t => new("-", Redirections: $"< {Q(Image)}")),
        new("image on /dev/stdin", Content.Image, t => new("/dev/stdin", Prefix: $"cat {Q(Image)} |")),
        new("image by <(...)", Content.Image, t => new($"<(cat {Q(Image)})")),
        new("image through a FIFO", Content.Image, t => t.Fifo(Image)),
        new("dump folder", Content.Dump, t => new(Q(Dump))),
        new("dump tar", Content.Dump, t => new(Q(Tar))),
        new("dump tgz", Content.Dump, t => new(Q(Tgz))),
        new("dump tar on -", Content.Dump, t => new("-", Redirections: $"< {Q(Tar)}")),
        new("dump tgz on /dev/stdin", Content.Dump, t => new("/dev/stdin", Prefix: $"cat {Q(Tgz)} |")),
        new("dump tar by <(...)", Content.Dump, t => new($"<(cat {Q(Tar)})")),
        new("dump tar through a FIFO", Content.Dump, t => t.Fifo(Tar)),
        new("dump tarred at its root (tar -C dump .)", Content.Dump, t => new(Q(t.RootTar()))),
        new("dump tarred at its root on -", Content.Dump, t => new("-", Redirections: $"< {Q(t.RootTar())}")),
        new("dump folder named with ESC, BEL and a line break", Content.Dump, t => new(Q(t.CopyFolder(Dump, ForgingName)))),
        new("zstd export (.tar.zst)", Content.Dump, t => new(Q(t.Write("export.tar.zst", File.ReadAllBytes(ZstdExport))))),
        new("zstd export under a .tar.gz name", Content.Dump, t => new(Q(ZstdExport))),
        new("zstd export on -", Content.Dump, t => new("-", Redirections: $"< {Q(ZstdExport)}")),
        new("OCI image layout folder", Content.Dump, t => new(Q(OciLayout))),
        new("oci-archive", Content.Dump, t => new(Q(Path.Combine(Checkpoints, "podman-image.oci.tar")))),
        new("kubelet checkpoint tar (CRI-O)", Content.Dump, t => new(Q(Path.Combine(Checkpoints, "checkpoint-trainer_default-rocm-job-2026-01-01T00:00:00Z.tar")))),
        new("kubelet checkpoint tar (containerd)", Content.Dump, t => new(Q(Path.Combine(Checkpoints, "containerd", "checkpoint-trainer_default-rocm-job-2026-01-01T00:00:00Z.tar")))),
        new("pod checkpoint folder", Content.Dump, t => new(Q(Path.Combine(Checkpoints, "pod-checkpoint")))),
        new("json file", Content.Json, t => new(Q(Json))),
        new("json on -", Content.Json, t => new("-", Redirections: $"< {Q(Json)}")),
        new("json by <(...)", Content.Json, t => new($"<(cat {Q(Json)})")),
        new("json through a FIFO", Content.Json, t => t.Fifo(Json)),
        new("topology folder", Content.Topology, t => new(Q(Topology))),
        new("closed standard input", Content.Bad, t => new("-", Redirections: "<&-")),
        new("empty file", Content.Bad, t => new(Q(t.Write("empty.img", [])))),
        new("empty standard input", Content.Bad, t => new("-", Redirections: "< /dev/null")),
        new("text file", Content.Bad, t => new(Q(t.Write("notes.txt", "not an image\n"u8.ToArray())))),
        new("text piped", Content.Bad, t => new("/dev/stdin", Prefix: "echo not an image |")),
        new("truncated image", Content.Bad, t => new(Q(t.Write("cut.img", File.ReadAllBytes(Image)[..100])))),
        new("truncated image by <(...)", Content.Bad, t => new($"<(head -c 100 {Q(Image)})")),
        new("damaged dump", Content.Bad, t => new(Q(DamagedDump))),
        new("truncated KFD image on -", Content.Bad, t => new("-", Redirections: $"< {Q(Path.Combine(DamagedDump, "amdgpu-kfd-5.img"))}")),
        new("KFD image cut before its device entries, on -", Content.Bad, t => new("-", Redirections: $"< {Q(t.Write("cut-kfd.img", File.ReadAllBytes(Path.Combine(Dump, "amdgpu-kfd-5.img"))[..14]))}"), Says: "a CRIU amdgpu file cut short at byte 14"),
        new("render node cut before its num_of_bos, by <(...)", Content.Bad, t => new($"<(head -c 14 {Q(Path.Combine(Dump, "amdgpu-renderD-7.img"))})"), Says: "a CRIU amdgpu file cut short at byte 14"),
        new("a folder of 10^4 empty files", Content.Bad, t => new(Q(t.ManyFiles(10_000)))),
        new("truncated KFD image by <(...)", Content.Bad, t => new($"<(cat {Q(Path.Combine(DamagedDump, "amdgpu-kfd-5.img"))})")),
        new("damaged zstd (checksum)", Content.Bad, t => new(Q(t.Flipped(ZstdExport, "damaged.tar.zst", ^1)))),
        new("OCI layout with a layer of the wrong digest", Content.Bad, t => new(Q(t.BadDigestLayout()))),
        new("a CRIU file compressed with zstd, not in a tar", Content.Bad, t => new(Q(t.Write("renderD-7.img.zst", ZstdOf(Path.Combine(Dump, "amdgpu-renderD-7.img"))))), Says: "a zstd stream whose contents are not a tar archive"),
        new("oci-archive cut short", Content.Bad, t => new(Q(t.Write("cut.oci.tar", File.ReadAllBytes(Path.Combine(Checkpoints, "podman-image.oci.tar"))[..5000])))),
        new("pod checkpoint with a broken manifest", Content.Bad, t => new(Q(t.BrokenPodManifest()))),
        new("missing path", Content.Bad, t => new(Q(Path.Combine(t.Folder, "missing")))),
        new("a folder named as a file", Content.Bad, t => new(Q(Directory.CreateDirectory(Path.Combine(t.Folder, "folder.img")).FullName))),
        new("topology with a FIFO in it", Content.Bad, t => new(Q(t.TopologyWithFifo()))),
        new("unreadable file (chmod 000, another user)", Content.Bad, t => new(Q(t.Unreadable())), Unprivileged: true, Says: "permission denied"),
        new("a symbolic link loop", Content.Bad, t => new(Q(t.LinkLoop())), Says: "too many levels of symbolic links (a link loop)", SaidByAll: true),
        new("a name longer than NAME_MAX", Content.Bad, t => new(Q(Path.Combine(t.Folder, new string('n', 300)))), Says: "the name is too long", SaidByAll: true),
        new("a path through a file", Content.Bad, t => new(Q(Path.Combine(Image, "x"))), Says: "a part of the path is not a folder", SaidByAll: true),
        new("/dev/zero", Content.Bad, t => new("/dev/zero"), Says: "a character device (1:5), not a file, folder or pipe", SaidByAll: true),
        new("/dev/urandom on /dev/stdin", Content.Bad, t => new("/dev/stdin", Redirections: "< /dev/urandom"), Says: "a character device (1:9)", SaidByAll: true),
        new("/dev/zero on -", Content.Bad, t => new("-", Redirections: "< /dev/zero"), Says: "standard input is a character device (1:5)"),
        new("/dev/null", Content.Bad, t => new("/dev/null"), Says: "empty: nothing to read"),
        new("a socket", Content.Bad, t => new(Q(t.Socket())), Says: "a socket, not a file, folder or pipe", SaidByAll: true),
        new("/dev/stdin with standard input closed", Content.Bad, t => new("/dev/stdin", Redirections: "<&-"), Says: "not one given to it: reading it would wait for ever", SaidByAll: true),
        new("/dev/fd/3 the caller did not pass (the runtime's own)", Content.Bad, t => new("/dev/fd/3")),
        new("a folder behind standard input (- < FOLDER)", Content.Bad, t => new("-", Redirections: $"< {Q(Dump)}"), Says: "standard input is a folder behind a descriptor, not a file or pipe: name the folder itself"),
        new("a folder behind /dev/stdin", Content.Bad, t => new("/dev/stdin", Redirections: $"< {Q(Dump)}"), Says: "a folder behind a descriptor, not a file or pipe: name the folder itself", SaidByAll: true),
        new("a folder behind /dev/fd/3", Content.Bad, t => new("/dev/fd/3", Redirections: $"3< {Q(Dump)}"), Says: "a folder behind a descriptor, not a file or pipe: name the folder itself", SaidByAll: true),
        new("a tar whose first entry declares 2^63-1 bytes", Content.Bad, t => new(Q(t.HugeEntryTar())), Says: "an entry's data runs past the end of the archive"),
        new("a file whose read fails (EIO: /proc/self/mem at 0)", Content.Bad, t => new("/proc/self/mem"), Says: "input/output error"),
    ];

    private static readonly Content[] Images = [Content.Image, Content.Bad];
    private static readonly Content[] ImagesAndDumps = [Content.Image, Content.Dump, Content.Bad];

    private static readonly CommandCase[] Commands =
    [
        new("verify", ImagesAndDumps, (input, _) => ["verify", input]),
        new("plan", ImagesAndDumps, (input, _) => ["plan", input]),
        new("info", ImagesAndDumps, (input, _) => ["info", input]),
        new("show", ImagesAndDumps, (input, _) => ["show", input]),
        new("decode", ImagesAndDumps, (input, _) => ["decode", input]),
        new("stats", Images, (input, _) => ["stats", input]),
        new("diff", Images, (input, _) => ["diff", input, Q(Image)]),
        new("encode", [Content.Json, Content.Bad], (input, output) => ["encode", input, "-o", Q(output + ".img")]),
        new("import", [Content.Dump, Content.Bad], (input, output) => ["import", input, "-o", Q(output)]),
        // No CRIU and kernel line restores the criu-dev dump as saved (v4.2 has no dma-buf restore, criu-dev's
        // CHANGE_HANDLE is refused or its order unknown): restorable's finding, exit 1, by every kind of input.
        new("restorable", [Content.Dump, Content.Bad], (input, _) => ["restorable", input], DumpExit: 1),
        new("host-check", [Content.Topology, Content.Bad], (input, _) => ["host-check", "--source", Q(Topology), "--host", input]),
        new("host-snapshot", [Content.Topology, Content.Bad], (input, output) => ["host-snapshot", "--topology", input, "-o", Q(output)]),
    ];

    /// <summary>A name that would forge a report line were it printed as it is: what follows its line break must never start a line.</summary>
    private const string ForgingName = "d\u001b[31mX\nY\u0007Z";

    /// <summary>Texts of .NET's exceptions that a message of ours never carries.</summary>
    private static readonly string[] RuntimeWords =
    [
        "Unable to read beyond the end of the stream", "Attempted to read past the end of the stream", "BytePositionInLine",
        "Access to the path", "Could not find", "Too many levels", "The input does not contain any JSON tokens", "No such device or address",
        "Bad file descriptor",
    ];

    /// <summary>
    /// Names and phrases one command used where another said it otherwise: standard input is <c>-</c>, as typed, in
    /// every command; a file that cannot be read says its cause alone (<c>permission denied</c>), as every layer does.
    /// </summary>
    private static readonly string[] RetiredWords = ["<stdin>", "cannot read: ", "no such file\n", "no such file\r"];

    private readonly List<System.Net.Sockets.Socket> _sockets = [];

    private int _outputs;

    public CommandMatrixTests()
    {
        if (OperatingSystem.IsLinux())
        {
            // Another user (the unprivileged kind) must reach the inputs and write the outputs.
            File.SetUnixFileMode(Folder, (UnixFileMode)0x1FF);
        }
    }

    [Fact]
    public async Task EveryCommand_OverEveryInputKind_AgreesOnTheExitCode_InOneLineErrors()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash"))
        {
            return; // not applicable here: process substitution and FIFOs are bash's and Linux's
        }

        string? asOther = OtherUser();
        var runs = new List<(Kind Kind, CommandCase Command, Task<(int Code, string Output, string Error, bool TimedOut)> Run)>();
        using var slots = new SemaphoreSlim(Math.Max(2, Environment.ProcessorCount * 2));
        foreach (Kind kind in Kinds.Where(k => !k.Unprivileged || asOther is not null))
        {
            foreach (CommandCase command in Commands.Where(c => c.Takes.Contains(kind.Content)))
            {
                Given given = kind.Make(this);
                string output = Path.Combine(Folder, $"out-{Interlocked.Increment(ref _outputs)}");
                string line = $"{given.Prefix} {(kind.Unprivileged ? asOther + " " : "")}{Q(CliProcess.Executable)} {string.Join(' ', command.Arguments(given.Argument, output))} {given.Redirections}";
                runs.Add((kind, command, RunAsync(line, slots)));
            }
        }

        var problems = new StringBuilder();
        foreach ((Kind kind, CommandCase command, Task<(int Code, string Output, string Error, bool TimedOut)> run) in runs)
        {
            (int code, string output, string error, bool timedOut) = await run;
            int expected = kind.Content == Content.Bad ? 2 : kind.Content == Content.Dump ? command.DumpExit : 0;
            string what = $"{command.Name} of {kind.Name}";
            if (timedOut)
            {
                problems.Append(what).Append(": still running after ").Append(TimeoutSeconds).Append(" s (a hang)\n");
                continue;
            }

            if (code != expected)
            {
                problems.Append(what).Append(": exit ").Append(code).Append(", not ").Append(expected).Append(": ").Append(First(error)).Append('\n');
            }

            string all = output + error;
            if (RetiredWords.FirstOrDefault(w => (all + "\n").Contains(w, StringComparison.Ordinal)) is string retired)
            {
                problems.Append(what).Append(": says it as another command does not (").Append(retired.TrimEnd()).Append("): ").Append(First(all)).Append('\n');
            }

            if (all.Contains("   at ", StringComparison.Ordinal) || all.Contains("Exception", StringComparison.Ordinal) || all.Contains("unexpected", StringComparison.Ordinal))
            {
                problems.Append(what).Append(": a stack trace or an unexpected exception: ").Append(First(error)).Append('\n');
            }

            if (code == 2 && !all.Contains("error", StringComparison.Ordinal))
            {
                problems.Append(what).Append(": exit 2 without an error said\n");
            }

            // Names and contents are printed escaped: no control character but the line breaks and tabs of our own lines,
            // and no line made by a line break inside a name.
            if (all.FirstOrDefault(c => c < ' ' && c is not '\n' and not '\t') is char raw and not '\0')
            {
                problems.Append(what).Append(": prints a raw control character (0x").Append(((int)raw).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)).Append("): ").Append(First(all)).Append('\n');
            }

            if (all.Split('\n').Any(l => l.StartsWith("Y\u0007Z", StringComparison.Ordinal) || l.StartsWith("Y\\x07Z", StringComparison.Ordinal)))
            {
                problems.Append(what).Append(": a line break in a name starts a line of its own: ").Append(First(all)).Append('\n');
            }

            // The runtime's own texts are not ours: an archive ending early, a JSON parser's 0-based positions.
            if (RuntimeWords.FirstOrDefault(w => all.Contains(w, StringComparison.Ordinal)) is string words)
            {
                problems.Append(what).Append(": says it in the runtime's words (").Append(words).Append("): ").Append(First(error)).Append('\n');
            }

            // What a kind says is the dump readers' one line; encode and the topology commands read other things,
            // except where the path itself cannot be read, which every command says alike.
            if (kind.Says is string says && (kind.SaidByAll || command.Takes.Contains(Content.Dump)) && !all.Contains(says, StringComparison.Ordinal))
            {
                problems.Append(what).Append(": does not say \"").Append(says).Append("\": ").Append(First(error)).Append('\n');
            }

            // Each of these inputs has one thing wrong with it: it is said once, not followed by its consequences.
            string[] errorLines = [.. error.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal))];
            if (errorLines.Length > 1)
            {
                problems.Append(what).Append(": ").Append(errorLines.Length).Append(" lines on standard error for one problem: ").Append(error.Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            }

            // One line per error: nothing on standard error continues an error on an indented line.
            if (error.Split('\n').Any(l => l.StartsWith(' ') || l.StartsWith('\t')))
            {
                problems.Append(what).Append(": an error spread over lines: ").Append(error.Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            }
        }

        Assert.True(problems.Length == 0, problems.ToString());
    }

    [Fact]
    public async Task EveryOutput_ThroughADescriptorNotOpenForWriting_IsSaidInOurWords_UnderTheNameGiven()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash"))
        {
            return; // not applicable here: descriptors are bash's and Linux's
        }

        // Closed, or open for reading only: write(2) says EBADF, which libc calls "Bad file descriptor".
        using var slots = new SemaphoreSlim(2);
        string[] commands = [$"decode {Q(Image)}", $"encode {Q(Json)}", $"host-snapshot --topology {Q(Topology)}"];
        foreach (string command in commands)
        {
            foreach (string descriptor in new[] { "9>&-", "9< /dev/null" })
            {
                (int code, _, string error, _) = await RunAsync($"{Q(CliProcess.Executable)} {command} -o /dev/fd/9 {descriptor}", slots);
                Assert.Equal((2, "criu-image: error: cannot write /dev/fd/9: the descriptor is not open for writing (the caller did not pass it, or passed it for reading)"), (code, First(error)));
            }
        }
    }

    private static async Task<(int Code, string Output, string Error, bool TimedOut)> RunAsync(string line, SemaphoreSlim slots)
    {
        await slots.WaitAsync();
        try
        {
            var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(line);
            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(TimeoutSeconds));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, "", "", true);
            }

            return (process.ExitCode, await output, await error, false);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>A FIFO with a writer of <paramref name="source"/> started by the shell beside the command (ended by a timeout if nothing opens the FIFO).</summary>
    private Given Fifo(string source)
    {
        string fifo = Path.Combine(Folder, $"fifo-{Interlocked.Increment(ref _outputs)}");
        MakeFifo(fifo);
        return new Given(Q(fifo), Prefix: $"( timeout {TimeoutSeconds} cat {Q(source)} > {Q(fifo)} & ) ;");
    }

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(Folder, $"{Interlocked.Increment(ref _outputs)}-{name}");
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A copy of <paramref name="source"/> named <paramref name="name"/> with the lowest bit of the byte at <paramref name="at"/> flipped.</summary>
    private string Flipped(string source, string name, Index at)
    {
        byte[] bytes = File.ReadAllBytes(source);
        bytes[at] ^= 1;
        return Write(name, bytes);
    }

    /// <summary>The dump's files at a tar's root, without a folder (<c>tar -C dump .</c>): the dump is the archive itself.</summary>
    private string RootTar()
    {
        string path = Path.Combine(Folder, $"{Interlocked.Increment(ref _outputs)}-root.tar");
        using FileStream stream = File.Create(path);
        using var writer = new System.Formats.Tar.TarWriter(stream, System.Formats.Tar.TarEntryFormat.Pax);
        foreach (string file in Directory.GetFiles(Dump).Order(StringComparer.Ordinal))
        {
            writer.WriteEntry(file, Path.GetFileName(file));
        }

        return path;
    }

    /// <summary>A folder of <paramref name="count"/> empty files: nothing in it is read, and every command says so without reading it twice.</summary>
    private string ManyFiles(int count)
    {
        string folder = Directory.CreateDirectory(Path.Combine(Folder, $"many-{Interlocked.Increment(ref _outputs)}")).FullName;
        for (int i = 0; i < count; i++)
        {
            File.Create(Path.Combine(folder, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Dispose();
        }

        return folder;
    }

    /// <summary>A copy of <paramref name="source"/> in the test's folder, to damage.</summary>
    private string CopyFolder(string source, string name)
    {
        string copy = Path.Combine(Folder, $"{name}-{Interlocked.Increment(ref _outputs)}");
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    /// <summary>
    /// A copy of the OCI layout whose largest blob (the gzip checkpoint layer) has a byte of its gzip header's
    /// time changed: the layer still inflates with a right CRC, only its sha256 no longer matches its descriptor.
    /// </summary>
    private string BadDigestLayout()
    {
        string copy = CopyFolder(OciLayout, "oci");
        string layer = Directory.EnumerateFiles(Path.Combine(copy, "blobs", "sha256")).MaxBy(f => new FileInfo(f).Length)!;
        byte[] bytes = File.ReadAllBytes(layer);
        bytes[4] ^= 1;
        File.WriteAllBytes(layer, bytes);
        return copy;
    }

    /// <summary>A copy of the pod checkpoint whose checkpoint-manifest.json is cut after its first brace.</summary>
    private string BrokenPodManifest()
    {
        string copy = CopyFolder(Path.Combine(Checkpoints, "pod-checkpoint"), "pod");
        File.WriteAllText(Path.Combine(copy, "checkpoint-manifest.json"), "{\n");
        return copy;
    }

    /// <summary>A copy of the topology whose first node's properties file is a FIFO nobody writes: opening it would wait for ever.</summary>
    private string TopologyWithFifo()
    {
        string copy = CopyFolder(Topology, "topology");
        string properties = Directory.EnumerateFiles(Path.Combine(copy, "nodes"), "properties", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Last();
        File.Delete(properties);
        MakeFifo(properties);
        return copy;
    }

    /// <summary>A copy of the image no one but root can read (the command runs as another user).</summary>
    private string Unreadable()
    {
        string path = Write("unreadable.img", File.ReadAllBytes(Image));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
        }

        return path;
    }

    /// <summary>
    /// The dump tar with its first entry's size set to long.MaxValue in base-256 (checksum made right): the
    /// seek over its data wrapped to a negative position and was said in the system's words, "Invalid argument".
    /// </summary>
    private string HugeEntryTar()
    {
        byte[] bytes = File.ReadAllBytes(Tar);
        bytes[124] = 0x80;
        bytes.AsSpan(125, 3).Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(128, 8), long.MaxValue);
        bytes.AsSpan(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in bytes.AsSpan(0, 512))
        {
            sum += b;
        }

        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(bytes, 148);
        return Write("huge-entry.tar", bytes);
    }

    /// <summary>A symbolic link to itself: every open of it is ELOOP.</summary>
    private string LinkLoop()
    {
        string link = Path.Combine(Folder, $"loop-{Interlocked.Increment(ref _outputs)}.img");
        File.CreateSymbolicLink(link, link);
        return link;
    }

    /// <summary>A Unix socket's file, which open(2) cannot read (ENXIO); the socket stays bound, since .NET removes the file when it closes.</summary>
    private string Socket()
    {
        string path = Path.Combine(Folder, $"socket-{Interlocked.Increment(ref _outputs)}");
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        _sockets.Add(socket);
        return path;
    }

    private static byte[] ZstdOf(string path) => new ZstdSharp.Compressor().Wrap(File.ReadAllBytes(path)).ToArray();

    private static void MakeFifo(string path)
    {
        using Process mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>The prefix that runs a command as an unprivileged user, or null when there is none to run as (not root, or no runuser).</summary>
    internal static string? OtherUser() =>
        Environment.UserName == "root" && File.Exists("/usr/sbin/runuser") && UserExists("nobody") ? "/usr/sbin/runuser -u nobody --" : null;

    private static bool UserExists(string name) =>
        File.ReadLines("/etc/passwd").Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));

    private static string First(string text) => text.Split('\n')[0];

    private static string Q(string argument) => CliProcess.Quote(argument);
}
