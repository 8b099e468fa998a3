using System.Text.Json.Nodes;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The replay of CRIU's plugin (docs/restore-calls.md): every way a restore ends, on a fixture dump each, in
/// <c>plan</c>'s <c>restore</c> member and, for the endings only the replay finds, in <c>verify</c> (by default along
/// the CRIU that wrote the dump, or the one <c>--criu</c> names).
/// </summary>
public sealed class RestoreReplayTests : TempFolder
{
    /// <summary>
    /// Each ending only the replay finds: its code, fixture, what a case changes in a copy of it (null: the fixture as
    /// it is), the options that choose the CRIU and path, and how the restore ends.
    /// </summary>
    public static readonly Dictionary<string, (string Code, string Fixture, Action<string>? Change, string[] Args, string How)> Endings = new(StringComparer.Ordinal)
    {
        ["criu-dev restores a released dump"] = ("CRI325", "released-v4.2", null, ["--criu", "criu-dev"], "crashes"),
        ["an import resolved by number"] = ("CRI326", "damaged/import-by-number", null, ["--contents", "serial"], "differs"),
        // The importer's saved copy differs from its exporter's (the fixture's two copies are the same bytes, and nothing is said of them).
        ["an import's contents into its exporter"] = ("CRI327", "criu-dev", d => File.WriteAllBytes(Path.Combine(d, "amdgpu-drm-pages-7-128-0002.img"), new byte[8 + 4096]), ["--contents", "serial"], "differs"),
        // One task: CRIU restores its files by ascending id, so renderD-7 waits for renderD-8's export.
        ["a retry closes standard input"] = ("CRI328", "criu-dev", d => File.WriteAllBytes(Path.Combine(d, "pstree.img"), CriuCoreImages.Pstree((4242, 0))), [], "differs"),
        ["a parallel command without dma-bufs"] = ("CRI329", "damaged/no-contents-bos", null, ["--contents", "parallel"], "fails-or-restores"),
        ["v4.2 restores a criu-dev dump"] = ("CRI330", "criu-dev", null, ["--criu", "v4.2"], "fails"),
        // No pstree.img: whether renderD-7 is restored before renderD-8 is not known.
        ["a retry that may close standard input"] = ("CRI332", "criu-dev", null, [], "differs"),
        // 6.18.0-1-amd64 hides its stable level: whether its KFD restore looks queue buffers up is not known.
        ["a KFD fact the release does not say"] = ("CRI341", "damaged/kfd-queue-gfx11-ctl-stack", null, ["--target-kernel", "6.18.0-1-amd64"], "differs"),
        ["a DIQ kernel's XGMI queue on 7.2"] = ("CRI342", "criu-dev-queues", KfdReleaseTests.MakeXgmiQueue, ["--target-kernel", "7.2.13"], "differs"),
    };

    public static TheoryData<string> EndingNames => [.. Endings.Keys];

    /// <summary>The endings the dump rules already name, as the replay ends them.</summary>
    public static TheoryData<string, string[], string, string> RuleEndings => new()
    {
        { "damaged/counts-off", ["--contents", "serial"], "crashes", "CRI307" },
        { "damaged/missing-drm-pages", ["--contents", "serial"], "crashes", "CRI308" },
        { "damaged/orphan-import", ["--contents", "serial"], "never-ends", "CRI315" },
        { "damaged/short-drm-pages", ["--contents", "serial"], "differs", "CRI310" },
        { "damaged/kfd-pages-header", ["--contents", "serial"], "fails", "CRI311" },
        { "damaged/kfd-pages-header", ["--contents", "parallel"], "fails-late", "CRI311" },
        { "damaged/truncated-kfd", [], "fails", "CRI302" },
        { "criu-dev", ["--contents", "serial", "--target-kernel", "6.18.36"], "fails", "CRI416" },
        { "criu-dev", ["--contents", "serial", "--target-kernel", "7.1.0-rc7"], "fails", "CRI416" },
        { "criu-dev", ["--contents", "serial", "--target-kernel", "6.18.35", "--kernel-has", "change-handle=no"], "fails", "CRI416" },
    };

    [Theory]
    [MemberData(nameof(EndingNames))]
    public async Task EachEndingOnlyTheReplayFinds_IsInPlan_AndInVerifyWhenTheCriuIsNamed(string name)
    {
        (string code, string fixture, Action<string>? change, string[] args, string how) = Endings[name];
        string dump = CriuFixtures.Path_(fixture);
        if (change is not null)
        {
            dump = CriuFixtures.CopyTo(fixture, Path.Combine(Folder, "dump"));
            change(dump);
            Assert.DoesNotContain(code, await VerifyCodes(fixture, args));
        }

        JsonNode restore = await Restore(dump, args);
        JsonNode[] endings = [restore["end"]!, .. restore["differences"]!.AsArray().Select(d => d!)];
        Assert.Contains(endings, e => e["code"]?.GetValue<string>() == code && e["how"]!.GetValue<string>() == how);
        Assert.Contains(code, await VerifyCodes(dump, args));
    }

    [Fact]
    public async Task Verify_ReportsTheReplaysEndings_ByDefault_InEveryFormat_AndAgreesWithPlan()
    {
        // A dump of one task: CRI328 is certain (an error), so every format says it and exits 1, as plan does.
        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "one-task"));
        File.WriteAllBytes(Path.Combine(dump, "pstree.img"), CriuCoreImages.Pstree((4242, 0)));
        foreach (string format in new[] { "text", "json", "sarif" })
        {
            (int code, string output, string error) = await Cli.Run("verify", "--format", format, dump);
            Assert.Equal((1, ""), (code, error));
            // SARIF lists every rule: what counts there is its results.
            string said = format == "sarif" ? string.Join('\n', JsonNode.Parse(output)!["runs"]![0]!["results"]!.AsArray().Select(r => r!["ruleId"]!.GetValue<string>())) : output;
            Assert.Contains("CRI328", said, StringComparison.Ordinal);
            Assert.DoesNotContain("CRI332", said, StringComparison.Ordinal);
        }

        Assert.Equal(1, (await Cli.Run("plan", dump)).Item1);

        // Without pstree.img the order is not known: a warning, and both commands exit 0.
        (int fixtureCode, string text, _) = await Cli.Run("verify", CriuFixtures.Path_("criu-dev"));
        Assert.Equal(0, fixtureCode);
        Assert.Contains("warning CRI332", text, StringComparison.Ordinal);
        Assert.Equal(0, (await Cli.Run("plan", CriuFixtures.Path_("criu-dev"))).Item1);
    }

    [Theory]
    [MemberData(nameof(RuleEndings))]
    public async Task EachDamagedDump_EndsItsRestoreAsCriuDoes(string fixture, string[] args, string how, string code)
    {
        JsonNode end = (await Restore(fixture, args))["end"]!;
        Assert.Equal((how, code), (end["how"]!.GetValue<string>(), end["code"]!.GetValue<string>()));
        Assert.StartsWith("plugins/amdgpu/", end["cause"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCalls_AreCriusOwn_InOrder()
    {
        JsonNode restore = await Restore("criu-dev", ["--contents", "serial"]);
        List<string> calls = [.. restore["calls"]!.AsArray().Select(c => c!["call"]!.GetValue<string>())];
        Assert.Equal(["AMDKFD_IOC_GET_VERSION", "AMDKFD_IOC_CRIU_OP"], calls[..2]);
        Assert.Equal(3, restore["calls"]![1]!["args"]!["op"]!.GetValue<int>());
        // Each BO CRIU creates is exported at once (drmPrimeHandleToFD, its return unchecked), then moved to its handle.
        int create = calls.IndexOf("DRM_IOCTL_AMDGPU_GEM_CREATE");
        Assert.Equal(["DRM_IOCTL_AMDGPU_GEM_CREATE", "DRM_IOCTL_PRIME_HANDLE_TO_FD", "DRM_IOCTL_GEM_CHANGE_HANDLE", "DRM_IOCTL_AMDGPU_GEM_MMAP"], calls[create..(create + 4)]);
        Assert.Contains("DRM_IOCTL_PRIME_FD_TO_HANDLE", calls);
        Assert.Equal("AMDKFD_IOC_CRIU_OP", calls[^1]);
        Assert.Equal(4, restore["calls"]![calls.Count - 1]!["args"]!["op"]!.GetValue<int>());
        // The import waits for its exporter: renderD-7 is restored again on pass 2.
        Assert.Contains(restore["calls"]!.AsArray(), c => c!["pass"]!.GetValue<int>() == 2 && c["call"]!.GetValue<string>() == "DRM_IOCTL_PRIME_FD_TO_HANDLE");
    }

    [Fact]
    public async Task AReleaseThatHidesItsStableLevel_LeavesChangeHandleUnknown()
    {
        JsonNode restore = await Restore("criu-dev", ["--contents", "serial", "--target-kernel", "6.18.0-1-amd64"]);
        JsonNode change = restore["calls"]!.AsArray().First(c => c!["call"]!.GetValue<string>() == "DRM_IOCTL_GEM_CHANGE_HANDLE")!;
        Assert.Null(change["ret"]);
        // The text says it too, never a guessed 0 or -22; and no call of the 6.18.0-1-amd64 restore is refused for it.
        (_, string text, _) = await Cli.Run("plan", CriuFixtures.Path_("criu-dev"), "--contents", "serial", "--target-kernel", "6.18.0-1-amd64");
        Assert.All(text.Split('\n').Where(l => l.Contains(": DRM_IOCTL_GEM_CHANGE_HANDLE 0x", StringComparison.Ordinal)), l => Assert.EndsWith("= unknown", l, StringComparison.Ordinal));
        Assert.DoesNotContain("CRI416", text, StringComparison.Ordinal);
        Assert.Contains("CRI420", await VerifyCodes("criu-dev", ["--target-kernel", "6.18.0-1-amd64"]));
        Assert.DoesNotContain("CRI420", await VerifyCodes("criu-dev", ["--target-kernel", "6.18.0-1-amd64", "--kernel-has", "change-handle=yes"]));
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("verify")]
    public async Task AnUnknownCriuVersion_IsOneLine_Exit2(string command)
    {
        (int code, string output, string error) = await Cli.Run(command, CriuFixtures.Path_("criu-dev"), "--criu", "v9.9");
        Assert.Equal((2, ""), (code, output));
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains("--criu 'v9.9'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restorable_NamesWhatRestoresADump_AndWhyTheOthersDoNot()
    {
        (int code, string output, string error) = await Cli.Run("restorable", "--format", "json", CriuFixtures.Path_("released-v4.2"));
        Assert.Equal((0, ""), (code, error));
        JsonNode dump = JsonNode.Parse(output)!["dumps"]![0]!;
        // The 6.18 line is split where CHANGE_HANDLE goes (6.18.36) and where the KFD restore's facts change (6.18.53).
        Assert.Contains(dump["restorable"]!.AsArray(), l => l!.GetValue<string>() == "CRIU v3.17..v4.2 on Linux 6.18.36..6.18.52");
        Assert.Contains(dump["restorable"]!.AsArray(), l => l!.GetValue<string>() == "CRIU v3.17..v4.2 on Linux 6.18.54 and later");
        Assert.All(dump["rows"]!.AsArray().Where(r => r!["criu"]!.GetValue<string>() == "criu-dev"), r => Assert.Equal("CRI325", r!["code"]!.GetValue<string>()));

        (int devCode, string devOutput, _) = await Cli.Run("restorable", CriuFixtures.Path_("damaged/orphan-import"));
        Assert.Equal(1, devCode);
        Assert.Contains("criu-dev (serial contents) on Linux 6.18.36..6.18.52: fails (CRI416)", devOutput, StringComparison.Ordinal);
        // The kernel check said for 6.18.36 is the one it has (drm_invalid_op), not only the older kernels' missing table entry.
        string line = devOutput.Split('\n').Single(l => l.Contains("criu-dev (serial contents) on Linux 6.18.36..6.18.52: fails (CRI416)", StringComparison.Ordinal));
        Assert.Contains("its handler is drm_invalid_op", line, StringComparison.Ordinal);
        Assert.Contains("criu-dev (serial contents) on Linux 6.18.0..6.18.15: never-ends (CRI315)", devOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restorable_OfADumpEveryLineRestores_SaysSoInOneShortHeadline()
    {
        (int code, string output, string error) = await Cli.Run("restorable", CriuFixtures.Path_("criu-dev-queues"));
        Assert.Equal((0, ""), (code, error));
        string[] lines = output.TrimEnd('\n').Split('\n');
        int rows = lines.Count(l => l.EndsWith(": restores", StringComparison.Ordinal));
        Assert.True(rows > 1, output);
        Assert.Equal($"{CriuFixtures.Path_("criu-dev-queues")}: restored as saved by every CRIU and kernel line known here ({rows})", lines[0]);
    }

    [Theory]
    [InlineData("6.18.0-1-amd64", "unknown", "unknown")]
    [InlineData("6.18.2", "unknown", "differs")]
    public async Task Restorable_GivesTheHostsOwnKernelARow_UnknownWhereItsReleaseHidesAFact(string release, string serial, string parallel)
    {
        string[] checksOff = ["--env", "KFD_FW_VER_CHECK=0", "--env", "KFD_SDMA_FW_VER_CHECK=0", "--env", "KFD_VRAM_SIZE_CHECK=0", "--env", "KFD_CAPABILITY_CHECK=0"];
        (int code, string output, string error) = await Cli.Run(["restorable", "--format", "json", CriuFixtures.Path_("criu-dev"), "--host", TopologyFixtures.Path_("gfx1100-2"), "--target-kernel", release, .. checksOff]);
        Assert.Equal((1, ""), (code, error));
        JsonNode[] host = [.. JsonNode.Parse(output)!["dumps"]![0]!["rows"]!.AsArray().Where(r => r!["kernel"]!.GetValue<string>() == $"{release} (the host's)").Select(r => r!)];
        Assert.Equal([("v3.17..v4.2", "fails"), ("criu-dev", serial), ("criu-dev", parallel)], host.Select(r => (r["criu"]!.GetValue<string>(), r["how"]!.GetValue<string>())));
        // criu-dev makes CHANGE_HANDLE: on 6.18.0-1-amd64 its answer is not known, and the row says so rather than guess.
        // On 6.18.2 the serial row only differs by CRI332, which depends on the order CRIU restores the files: unknown
        // too; the parallel one differs for certain on that path (CRI324).
        Assert.Equal(release == "6.18.0-1-amd64", host[1]["why"]!.GetValue<string>().Contains("DRM_IOCTL_GEM_CHANGE_HANDLE is not known", StringComparison.Ordinal));
        (_, string text, _) = await Cli.Run(["restorable", CriuFixtures.Path_("criu-dev"), "--host", TopologyFixtures.Path_("gfx1100-2"), "--target-kernel", release, .. checksOff]);
        Assert.Contains($"  CRIU criu-dev (serial contents) on Linux {release} (the host's): {serial}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restorable_TakesKernelHas_AsPlanAndVerifyDo()
    {
        string[] checksOff = ["--env", "KFD_FW_VER_CHECK=0", "--env", "KFD_SDMA_FW_VER_CHECK=0", "--env", "KFD_VRAM_SIZE_CHECK=0", "--env", "KFD_CAPABILITY_CHECK=0"];
        string[] host = ["--host", TopologyFixtures.Path_("gfx1100-2"), "--target-kernel", "6.18.0-1-amd64", .. checksOff];

        // The host's release hides its stable level: stated, its row is no longer unknown, and plan agrees with it.
        (int code, string output, string error) = await Cli.Run(["restorable", "--format", "json", CriuFixtures.Path_("criu-dev"), .. host, "--kernel-has", "change-handle=no"]);
        Assert.Equal((1, ""), (code, error));
        JsonNode serial = JsonNode.Parse(output)!["dumps"]![0]!["rows"]!.AsArray().Single(r => r!["criu"]!.GetValue<string>() == "criu-dev" && r["contents"]!.GetValue<string>() == "serial" && r["kernel"]!.GetValue<string>().StartsWith("6.18.0-1-amd64", StringComparison.Ordinal))!;
        Assert.Equal(("6.18.0-1-amd64 (the host's; stated by --kernel-has change-handle=no)", "fails", "CRI416"), (serial["kernel"]!.GetValue<string>(), serial["how"]!.GetValue<string>(), serial["code"]!.GetValue<string>()));
        (_, string plan, _) = await Cli.Run(["plan", "--format", "json", CriuFixtures.Path_("criu-dev"), .. host, "--contents", "serial", "--kernel-has", "change-handle=no"]);
        Assert.Equal("CRI416", JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!["end"]!["code"]!.GetValue<string>());

        // Without a host, the statement is a row of its own per CRIU, on a 6.18 kernel.
        (_, string text, _) = await Cli.Run("restorable", CriuFixtures.Path_("criu-dev"), "--kernel-has", "change-handle=yes");
        Assert.Equal(3, text.Split('\n').Count(l => l.Contains(" on Linux 6.18 (stated by --kernel-has change-handle=yes): ", StringComparison.Ordinal)));

        // The same parser and words as plan's: an unknown statement is one line, exit 2, on every command.
        foreach (string verb in new[] { "restorable", "plan", "verify" })
        {
            (int bad, string badOutput, string badError) = await Cli.Run(verb, CriuFixtures.Path_("criu-dev"), "--kernel-has", "change-handle=maybe");
            Assert.Equal((2, "", "criu-image: error: --kernel-has 'change-handle=maybe': give FACT=yes or FACT=no, FACT one of change-handle, queue-buffers, mes-queue-check, queue-types-without-diq, event-page-check\n"), (bad, badOutput, badError));
        }
    }

    [Fact]
    public async Task Restorable_ReadsStandardInput_AndSaysAnUnreadableInputInOneLine()
    {
        string archive = CriuFixtures.Path_("archives/checkpoint-criu-dev.tar");
        (int code, string output, string error) = await CliProcess.Shell($"< {CliProcess.Quote(archive)}", "restorable", "-");
        (int named, string namedOutput, _) = await Cli.Run("restorable", archive);
        Assert.Equal((named, ""), (code, error));
        Assert.Equal(namedOutput.Replace(archive, "-", StringComparison.Ordinal), output);

        string missing = Path.Combine(Path.GetTempPath(), $"criu-image-missing-{Guid.NewGuid():N}", "amdgpu-kfd-1.img");
        (int missingCode, string missingOutput, string missingError) = await Cli.Run("restorable", missing);
        Assert.Equal((2, ""), (missingCode, missingOutput));
        Assert.Single(missingError.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("6.18.35", true)]
    [InlineData("6.18.36", false)]
    [InlineData("6.18.40-200.fc43.x86_64", false)]
    [InlineData("6.18.0-1-amd64", null)]
    [InlineData("6.18", true)]
    [InlineData("6.19.4", true)]
    [InlineData("7.0.12", true)]
    [InlineData("7.0.13", false)]
    [InlineData("7.1.0-rc6", true)]
    [InlineData("7.1.0-rc7", false)]
    [InlineData("7.1.0", false)]
    [InlineData("7.2.1", false)]
    [InlineData("6.8.0-51-generic", false)]
    public void KernelReleases_SayWhetherChangeHandleIsThere_OrThatItIsUnknown(string release, bool? has)
    {
        KernelProfile profile = KernelProfile.ForRelease(release)!;
        Assert.Equal(has, profile.ChangeHandle);
        Assert.False(string.IsNullOrEmpty(profile.ChangeHandleSource));
    }

    [Theory]
    [InlineData("v3.17", true, false, false, false)]
    [InlineData("v4.2", true, false, false, false)]
    [InlineData("4a3a695df", false, true, false, false)]
    [InlineData("db0ec806d12d", false, true, true, false)]
    [InlineData("criu-dev", false, true, true, true)]
    public void CriuVersions_HaveWhatTheirCommitsAdded(string name, bool released, bool parallel, bool renderNodeBos, bool dmabuf)
    {
        CriuVersion version = CriuVersion.Parse(name)!;
        Assert.Equal((released, parallel, renderNodeBos, dmabuf), (version.Released, version.Parallel, version.RenderNodeBos, version.Dmabuf));
        Assert.Null(CriuVersion.Parse("v4.3"));
        Assert.Null(CriuVersion.Parse("deadbeef"));
    }

    private static async Task<JsonNode> Restore(string fixture, string[] args)
    {
        (_, string output, string error) = await Cli.Run(["plan", CriuFixtures.Path_(fixture), "--format", "json", .. args]);

        // A damaged file of the dump is said on standard error (exit 2, as verify); nothing else is.
        Assert.All(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith(CriuFixtures.Path_(fixture), line, StringComparison.Ordinal));
        return JsonNode.Parse(output)!["dumps"]![0]!["restore"]!;
    }

    private static async Task<HashSet<string>> VerifyCodes(string fixture, string[] args)
    {
        (_, string output, string error) = await Cli.Run(["verify", "--format", "json", CriuFixtures.Path_(fixture), .. args]);
        Assert.Equal("", error);
        return [.. JsonNode.Parse(output)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray()).Select(d => d!["code"]!.GetValue<string>())];
    }
}
