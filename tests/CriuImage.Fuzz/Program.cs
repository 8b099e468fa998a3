using System.Diagnostics;
using CriuImage.Fuzz;
using CriuImage.Fuzz.Targets;
using SharpFuzz;

// The fuzzing harness (docs/reliability.md, "Fuzzing"):
//   list                      the targets, what each parses and its documented bad-input outcome
//   run TARGET                one input per afl-fuzz execution (SharpFuzz's forkserver); alone, one input from stdin
//   replay TARGET PATH...     every file (or every file of a folder) through TARGET; exit 1 on a crash or hang
//   seed TARGET FOLDER        writes starting inputs for TARGET, made from the fixtures
switch (args)
{
    case ["list"]:
        foreach (FuzzTarget target in TargetCatalog.All)
        {
            Console.WriteLine($"{target.Name,-18} {target.Parser}; bad input: {target.BadInput}");
        }

        return 0;
    case ["run", string name] when TargetCatalog.Find(name) is { } target:
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.ToArray());
        });
        return 0;
    case ["replay", string name, .. var paths] when TargetCatalog.Find(name) is { } target:
        return Replay(target, paths);
    case ["seed", string name, string folder] when TargetCatalog.Find(name) is { } target:
        Directory.CreateDirectory(folder);
        int written = 0;
        foreach ((string file, byte[] content) in Seeds.For(target.Name))
        {
            File.WriteAllBytes(Path.Combine(folder, file), content);
            written++;
        }

        Console.WriteLine($"{written} seeds for {target.Name} in {folder}");
        return 0;
    default:
        Console.Error.WriteLine($"usage: criu-image-fuzz list | run TARGET | replay TARGET PATH... | seed TARGET FOLDER; targets: {string.Join(", ", TargetCatalog.All.Select(t => t.Name))}");
        return 2;
}

static int Replay(FuzzTarget target, string[] paths)
{
    int failed = 0;
    foreach (string path in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
    {
        var clock = Stopwatch.StartNew();
        string? problem = Replays.Run(target, File.ReadAllBytes(path));
        Console.WriteLine($"{(problem is null ? "ok   " : "CRASH")} {clock.Elapsed.TotalMilliseconds,8:F1} ms {path}{(problem is null ? "" : "\n" + problem)}");
        failed += problem is null ? 0 : 1;
    }

    return failed == 0 ? 0 : 1;
}
