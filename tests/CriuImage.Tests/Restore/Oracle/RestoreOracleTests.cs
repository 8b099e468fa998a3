using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Kernel;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using Xunit.Abstractions;

namespace CriuImage.Tests.RestoreOracle;

/// <summary>
/// <c>plan --format json</c> against CRIU's own restore: tests/restore-oracle/recordings hold every call CRIU's
/// amdgpu plugin (criu-dev 2cf8f13 and v4.2, compiled unmodified) made on a recording fake kernel for each
/// fixture dump, and how its restore ended (recorded by run-oracle.sh), on each kernel and, for criu-dev, on
/// each contents path. The plan's <c>restore</c> member must give the same calls, requests, arguments, returns
/// and ending, file by file. Where it does not yet, the difference is
/// listed in tests/restore-oracle/expected-differences.txt; the list is held both ways: a difference that is
/// not listed fails, and so does a listed one that is gone.
/// </summary>
public sealed class RestoreOracleTests(ITestOutputHelper output)
{
    private static string Recordings => Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "recordings");

    private static string ExpectedFile => Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "expected-differences.txt");

    [Fact]
    public void EveryFixtureDump_IsRecordedForEachRef()
    {
        string[] dumps = [.. Directory.EnumerateDirectories(CriuFixtures.Root, "*", SearchOption.AllDirectories)
            .Where(d => Directory.EnumerateFiles(d, "amdgpu-*.img").Any())
            .Select(d => Path.GetRelativePath(CriuFixtures.Root, d).Replace('/', '+'))
            .Order(StringComparer.Ordinal)];
        foreach (string reference in new[] { "criu-dev", "v4.2" })
        {
            string[] recorded = [.. Directory.EnumerateFiles(Path.Combine(Recordings, reference), "*.jsonl")
                .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];
            Assert.Equal(dumps, recorded);
            foreach (string dump in recorded)
            {
                IReadOnlyList<RecordedRestore> runs = RecordedRestore.Load(Path.Combine(Recordings, reference, dump + ".jsonl"));
                string folder = Path.Combine(CriuFixtures.Root, dump.Replace('+', '/'));

                // A dump with a KFD image is also run on each release whose KFD restore differs, on the parallel path.
                string[] kernels = ["6.18/parallel", "6.18/serial", "no-change-handle/parallel",
                    .. Directory.EnumerateFiles(folder, "amdgpu-kfd-*.img").Any() ? OracleKernel.Releases.Select(r => r + "/parallel") : []];
                Assert.Equal(kernels, runs.Take(kernels.Length).Select(r => $"{r.Kernel}/{r.Mode}/{r.Order}".Replace("/criu", "", StringComparison.Ordinal)));

                // A dump of several tasks may have more: the tasks in other orders (the reverse, then each other one of
                // three or more tasks), each kept where it ends otherwise, no order twice.
                bool tasks = Directory.EnumerateFiles(folder, "fdinfo-*.img").Any();
                Assert.All(runs.Skip(kernels.Length), r => Assert.Equal(("6.18/serial", true, true), ($"{r.Kernel}/{r.Mode}", tasks, r.Order == "reversed" || r.Order.Contains(','))));
                Assert.Equal(runs.Count, runs.Select(r => r.Kernel + r.Mode + r.Order).Distinct().Count());
                Assert.All(runs, r => Assert.Contains(r.End, new[] { "restored", "fails", "crashes", "never-ends", "fails-late" }));
            }
        }
    }

    [Fact]
    public void AnEndByTiming_AgreesWithEitherRunCriuCanMake_AndNoOther()
    {
        OracleCall Call(string file, string name) => new(name, "", file, 1, new SortedDictionary<string, string>(StringComparer.Ordinal), 0);
        IReadOnlyList<OracleCall> calls = [Call("amdgpu-kfd-5.img", "AMDKFD_IOC_CRIU_OP"), Call("amdgpu-renderD-7.img", "DRM_IOCTL_AMDGPU_GEM_CREATE"), Call("resume", "AMDKFD_IOC_CRIU_OP")];
        Assert.Equal((3, "restored"), Shape(ByTiming((calls, "fails-or-restores", "amdgpu-kfd-5.img"), "restored")));
        Assert.Equal((1, "fails"), Shape(ByTiming((calls, "fails-or-restores", "amdgpu-kfd-5.img"), "fails")));
        Assert.Equal((3, "fails-or-restores"), Shape(ByTiming((calls, "fails-or-restores", "amdgpu-kfd-5.img"), "fails-late")));
        Assert.Equal((3, "restored"), Shape(ByTiming((calls, "restored", null), "fails")));

        static (int, string) Shape((IReadOnlyList<OracleCall> Calls, string End) r) => (r.Calls.Count, r.End);
    }

    [Theory]
    [InlineData("tasks/import-in-another-task", "never-ends", "amdgpu-dmabuf_9.img")]
    [InlineData("tasks/import-of-another-tasks-bo", "never-ends", "amdgpu-renderD-7.img")]
    [InlineData("tasks/shared-files-table", "restored", "amdgpu-renderD-7.img")] // one task opens every file: as in CRIU's order (differs, CRI328)
    [InlineData("tasks/import-chain", "never-ends", "amdgpu-dmabuf_12.img")] // 4244 looks first, before 4243 stores BO 1
    [InlineData("tasks/import-fan-in", "never-ends", "amdgpu-dmabuf_9.img")] // 4243 looks before either exporter
    [InlineData("tasks/import-woken-too-early", "never-ends", "amdgpu-renderD-7.img")] // woken by 4242's log file (fd 2) before renderD-8 (fd 4) stores BO 5
    [InlineData("tasks/import-woken-by-shared-file", "restored", "amdgpu-renderD-7.img")] // woken by the log file (fd 5) after the store: differs (CRI328)
    [InlineData("tasks/import-woken-by-render-node", "restored", "amdgpu-renderD-7.img")] // woken by renderD-8, sent once restored: differs (CRI328)
    public void TheTasksOtherInterleaving_NeverEndsWhereAnImportWaits_UnlessASendWakesItAfterTheExport(string dump, string end, string? file)
    {
        PlanRun reversed = InOrder("criu-dev", dump.Replace('/', '+'), "6.18", "serial", "reversed");
        Assert.Equal((end, file), (reversed.End, reversed.File));
    }

    [Fact]
    public async Task Plan_GivesCriusCalls_ExceptTheListedDifferences()
    {
        var actual = new List<string>();
        int files = 0, agreeing = 0, renderNodes = 0, renderAgreeing = 0, kfd = 0, kfdAgreeing = 0;
        foreach (string reference in new[] { "criu-dev", "v4.2" })
        {
            foreach (string recording in Directory.EnumerateFiles(Path.Combine(Recordings, reference), "*.jsonl").Order(StringComparer.Ordinal))
            {
                string dump = Path.GetFileNameWithoutExtension(recording);
                // v4.2 has one contents path (threads per GPU, no parallel worker): its runs differ in nothing but name.
                foreach (RecordedRestore run in RecordedRestore.Load(recording).Where(r => reference == "criu-dev" || r.Mode == "parallel" || r.Order != "criu"))
                {
                    string where = $"{reference} {dump} {run.Kernel}{(reference == "criu-dev" ? "/" + run.Mode : "")}{(run.Order != "criu" ? " " + run.Order : "")}";
                    // The tasks' other orders are the replay's in that order (plan replays CRIU's own order).
                    PlanRun plan = run.Order != "criu"
                        ? InOrder(reference, dump, run.Kernel, reference == "criu-dev" ? run.Mode : null, run.Order)
                        : await Plan(reference, dump, run.Kernel, reference == "criu-dev" ? run.Mode : null);
                    (IReadOnlyList<OracleCall> planned, string plannedEnd) = ByTiming((plan.Calls, plan.End, plan.File), run.End);
                    if (run.Asleep is { } asleep && plannedEnd == "never-ends" && plan.File != asleep)
                    {
                        actual.Add($"{where} asleep: plan {plan.File}, CRIU {asleep}");
                    }

                    foreach ((string file, bool same, string? difference) in CompareByFile(planned, run.Calls))
                    {
                        if (difference is not null)
                        {
                            actual.Add($"{where} {difference}");
                        }

                        files++;
                        agreeing += same ? 1 : 0;
                        if (reference == "criu-dev" && run.Kernel == "6.18" && run.Mode == "parallel")
                        {
                            bool render = file.StartsWith("amdgpu-renderD-", StringComparison.Ordinal), isKfd = file.StartsWith("amdgpu-kfd-", StringComparison.Ordinal);
                            renderNodes += render ? 1 : 0;
                            renderAgreeing += render && same ? 1 : 0;
                            kfd += isKfd ? 1 : 0;
                            kfdAgreeing += isKfd && same ? 1 : 0;
                        }
                    }

                    if (plannedEnd != run.End)
                    {
                        actual.Add($"{where} end: plan {plannedEnd}, CRIU {run.End}");
                    }
                }
            }
        }

        output.WriteLine($"files with the same calls: {agreeing}/{files}; criu-dev on 6.18: render nodes {renderAgreeing}/{renderNodes}, KFD images {kfdAgreeing}/{kfd}");
        string[] expected = [.. File.ReadLines(ExpectedFile).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        string[] unlisted = [.. actual.Except(expected, StringComparer.Ordinal)];
        string[] gone = [.. expected.Except(actual, StringComparer.Ordinal)];
        Assert.True(unlisted.Length == 0 && gone.Length == 0,
            $"differences not listed in {ExpectedFile}:\n{string.Join('\n', unlisted)}\nlisted differences that are gone:\n{string.Join('\n', gone)}");
    }

    /// <summary>
    /// A plan that ends <c>fails-or-restores</c> (thread timing decides, CRI329) agrees with either run CRIU can make:
    /// one that restores, with every call listed; one that fails in the file the plan names, with the calls up to
    /// that file's last. Any other recorded end is a difference.
    /// </summary>
    internal static (IReadOnlyList<OracleCall> Calls, string End) ByTiming((IReadOnlyList<OracleCall> Calls, string End, string? File) plan, string recorded)
    {
        if (plan.End != "fails-or-restores" || recorded is not ("restored" or "fails"))
        {
            return (plan.Calls, plan.End);
        }

        if (recorded == "restored")
        {
            return (plan.Calls, recorded);
        }

        int last = plan.Calls.Select((c, i) => (c, i)).LastOrDefault(x => x.c.File == plan.File, (null!, -1)).Item2;
        return ([.. plan.Calls.Take(last + 1)], recorded);
    }

    /// <summary>Per CRIU file, in the order the recording meets them: the first call where the two lists part, if any.</summary>
    private static IEnumerable<(string File, bool Same, string? Difference)> CompareByFile(IReadOnlyList<OracleCall> planned, IReadOnlyList<OracleCall> recorded)
    {
        foreach (string file in recorded.Select(c => c.File).Concat(planned.Select(c => c.File)).Distinct(StringComparer.Ordinal))
        {
            string[] plan = InOrder(planned.Where(c => c.File == file));
            string[] criu = InOrder(recorded.Where(c => c.File == file));
            int at = 0;
            while (at < plan.Length && at < criu.Length && plan[at] == criu[at])
            {
                at++;
            }

            bool same = at == plan.Length && at == criu.Length;
            yield return (file, same, same ? null : $"{file} call {at}: plan {(at < plan.Length ? plan[at] : "(no call)")}, CRIU {(at < criu.Length ? criu[at] : "(no call)")}");
        }
    }

    /// <summary>
    /// The calls of one file as compared: in their order, except the parallel worker's contents copies at the
    /// resume hook, whose order among themselves depends on thread timing (docs/restore-calls.md, "Order").
    /// </summary>
    private static string[] InOrder(IEnumerable<OracleCall> calls) =>
    [
        .. calls.Select((c, i) => (Call: c, Key: c.Args.GetValueOrDefault("copy") == "sdma-parallel" ? "0 " + c : $"1 {i:D6}"))
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Call.ToString()),
    ];

    /// <summary>The plan's calls and ending for the dump, or no calls and the one line plan gave when it did not plan.</summary>
    private static async Task<PlanRun> Plan(string reference, string dump, string kernel, string? contents)
    {
        string folder = Path.Combine(CriuFixtures.Root, dump.Replace('+', '/'));
        string[] path = contents is null ? [] : ["--contents", contents];
        (int code, string json, string error) = await Cli.Run(["plan", folder, "--format", "json", .. OracleKernel.Options(kernel), "--criu", reference, .. path]);
        if (code == 2 && json.Length == 0)
        {
            // Not planned. A dump with a damaged file is planned and still exits 2 (it says the damage), as verify.
            return new([], "plan exits 2: " + error.Split('\n')[0], null);
        }

        if (Find(JsonNode.Parse(json)!, "restore") is not JsonObject restore)
        {
            return new([], "(plan gives no restore member)", null);
        }

        return FromJson(restore);
    }

    /// <summary>The restore member's calls and ending, in the form a recording's are compared in.</summary>
    private static PlanRun FromJson(JsonObject restore)
    {
        var calls = restore["calls"]!.AsArray().Select(c => PlannedCall(c!.AsObject())).ToList();
        string how = (string)restore["end"]!["how"]!;
        return new(calls, how == "differs" ? "restored" : how, (string?)restore["end"]!["file"]);
    }

    /// <summary>
    /// The replay of the dump in another order of its tasks (<paramref name="order"/>: <c>reversed</c>,
    /// the reverse of CRIU's task order, or the pids in order; RestoreReplay.RunInOrder: the tasks one after another, a task
    /// whose pass restores nothing asleep for good), with plan's CRIU, target and contents path, written as plan
    /// writes its restore member.
    /// </summary>
    private static PlanRun InOrder(string reference, string dump, string kernel, string? contents, string order)
    {
        InputSet inputs = DumpInputs.Collect([Path.Combine(CriuFixtures.Root, dump.Replace('+', '/'))], new InputOptions(), () => Stream.Null);
        CriuDump read = Assert.Single(InputPlan.Of(inputs).Dumps).Dump;
        DumpRestorePlan plan = DumpRestorePlan.Create(read, new ReplayOptions(CriuVersion.Parse(reference), contents is null ? null : contents == "parallel"), null, OracleKernel.Profile(kernel));
        IReadOnlyList<uint> pids = order == "reversed"
            ? [.. read.ProcessTree!.InCriuOrder().Select(t => t.Pid).Reverse()]
            : [.. order.Split(',').Select(p => uint.Parse(p, CultureInfo.InvariantCulture))];
        RestoreSequence sequence = RestoreReplay.RunInOrder(read, plan, plan.Sequence!.Criu, plan.Sequence.Contents == "parallel", pids, CriuCallLog.Held());
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            RestoreSequenceReport.WriteJson(sequence, json);
            json.WriteEndObject();
        }

        return FromJson(JsonNode.Parse(buffer.ToArray())!["restore"]!.AsObject());
    }

    private static JsonNode? Find(JsonNode node, string name) => node switch
    {
        JsonObject o when o[name] is JsonObject found => found,
        JsonObject o => o.Select(p => p.Value is null ? null : Find(p.Value, name)).FirstOrDefault(n => n is not null),
        JsonArray a => a.Select(n => n is null ? null : Find(n, name)).FirstOrDefault(n => n is not null),
        _ => null,
    };

    /// <summary>A planned call in the form <see cref="RecordedRestore"/> gives a recorded one (docs/restore-calls.md).</summary>
    private static OracleCall PlannedCall(JsonObject c)
    {
        JsonObject a = c["args"]!.AsObject();
        string name = (string)c["call"]!;
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, JsonNode? value) in a)
        {
            args[key] = value?.ToString() ?? "null";
        }

        if (name == "CONTENTS")
        {
            string target = a["into"]?.ToString() ?? a["bo"]?.ToString() ?? "kfd_bo " + a["kfd_bo"];
            args.Remove("into");
            args.Remove("bo");
            args.Remove("kfd_bo");
            args["target"] = target;
        }

        if (name == "DRM_IOCTL_PRIME_FD_TO_HANDLE" && a["dmabuf_of"] is null && a["fd"] is not null)
        {
            args.Remove("bo");
        }

        long? ret = c["ret"] is { } r ? long.Parse(r.ToString(), CultureInfo.InvariantCulture) : null;
        return new OracleCall(name, (string?)c["request"] ?? "", (string)c["file"]!, (int)c["pass"]!, args, ret);
    }
}

/// <summary>What plan said of one dump: its calls, and its ending and the file it names.</summary>
internal sealed record PlanRun(IReadOnlyList<OracleCall> Calls, string End, string? File);
