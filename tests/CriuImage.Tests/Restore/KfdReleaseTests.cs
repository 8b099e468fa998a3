using System.Buffers.Binary;
using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// The KFD restore per stable release (restore-facts.json kernel.kfd_release_facts): one dump, a GFX 11 (MES) compute
/// queue checkpointed without a control stack, ends four ways on four releases of the lines 6.18 and 7.2, and verify,
/// plan and restorable say the same of each.
/// </summary>
public sealed class KfdReleaseTests
{
    private const string Dump = "damaged/kfd-queue-gfx11-ctl-stack";

    private static readonly string[] Host =
    [
        "--host", TopologyFixtures.Path_("gfx1100-2"), "--env", "KFD_FW_VER_CHECK=0", "--env", "KFD_SDMA_FW_VER_CHECK=0", "--env", "KFD_VRAM_SIZE_CHECK=0", "--env", "KFD_CAPABILITY_CHECK=0",
    ];

    [Theory]
    // 6.18.0 .. 6.18.52 do not look the queue buffers up: init_user_queue dereferences the MES queue's NULL wptr_bo.
    [InlineData("6.18.20", "CRI340", "queue-wptr-null")]
    // 6.18.53 took d3f670cfb535: the queue buffers are looked up, and the missing control stack is refused.
    [InlineData("6.18.53", "CRI340", "queue-ctl-stack")]
    // 7.2.13 has the partial revert: no lookup, and a MES GPU's queue is refused -EINVAL.
    [InlineData("7.2.13", "CRI340", "queue-mes-buffers")]
    // A release hiding its stable level: which of the 6.18 endings is not known, and nothing is guessed.
    [InlineData("6.18.0-1-amd64", "CRI341", null)]
    public async Task OneDump_EndsByStableRelease_AndTheCommandsAgree(string release, string code, string? check)
    {
        string folder = CriuFixtures.Path_(Dump);
        (int verifyCode, string verify, _) = await Cli.Run("verify", folder, "--target-kernel", release, "--format", "json");
        JsonObject kfd = JsonNode.Parse(verify)!["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>().EndsWith("amdgpu-kfd-5.img", StringComparison.Ordinal))!.AsObject();
        string[] codes = [.. kfd["diagnostics"]!.AsArray().Select(d => d!["code"]!.GetValue<string>())];
        Assert.Contains(code, codes);
        Assert.Equal(check is null, !codes.Contains("CRI340"));

        (_, string plan, _) = await Cli.Run("plan", folder, "--target-kernel", release, "--format", "json");
        JsonNode restore = JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!;
        JsonNode op = restore["calls"]!.AsArray().First(c => c!["call"]!.GetValue<string>() == "AMDKFD_IOC_CRIU_OP")!;
        if (check is not null)
        {
            Assert.Equal(1, verifyCode);
            Assert.Equal(("fails", "CRI340", check), (restore["end"]!["how"]!.GetValue<string>(), restore["end"]!["code"]!.GetValue<string>(), op["args"]!["refused_by"]!.GetValue<string>()));
            // An oops never returns to CRIU; a refusal returns -EINVAL.
            Assert.Equal(check == "queue-wptr-null" ? null : -22, op["ret"]?.GetValue<int>());
        }
        else
        {
            Assert.Null(op["args"]!["refused_by"]);
            Assert.Null(op["ret"]);
            Assert.Contains(restore["differences"]!.AsArray(), d => d!["code"]!.GetValue<string>() == "CRI341");
        }

        (_, string restorable, _) = await Cli.Run(["restorable", folder, "--target-kernel", release, "--format", "json", .. Host]);
        JsonNode[] rows = [.. JsonNode.Parse(restorable)!["dumps"]![0]!["rows"]!.AsArray().Where(r => r!["kernel"]!.GetValue<string>() == $"{release} (the host's)").Select(r => r!)];
        Assert.Equal(3, rows.Length);
        foreach (JsonNode row in rows)
        {
            if (check is not null)
            {
                Assert.Equal(("fails", "CRI340"), (row["how"]!.GetValue<string>(), row["code"]!.GetValue<string>()));
                Assert.Contains($"({check})", row["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("unknown", row["how"]!.GetValue<string>());
                Assert.Contains("AMDKFD_IOC_CRIU_OP", row["why"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task AStatedFact_EndsTheUnknown_OnEveryCommand()
    {
        // With the lookup stated, the MES check no longer matters: the control stack is refused, as on 6.18.53.
        string folder = CriuFixtures.Path_(Dump);
        string[] stated = ["--target-kernel", "6.18.0-1-amd64", "--kernel-has", "queue-buffers=yes"];
        (_, string plan, _) = await Cli.Run(["plan", folder, "--format", "json", .. stated]);
        Assert.Equal("CRI340", JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!["end"]!["code"]!.GetValue<string>());
        (int code, string verify, _) = await Cli.Run(["verify", folder, .. stated]);
        Assert.Equal(1, code);
        Assert.Contains("(queue-ctl-stack)", verify, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI341", verify, StringComparison.Ordinal);

        // Without it, and with the MES check stated absent, it is the oops.
        (_, string oops, _) = await Cli.Run(["plan", folder, "--target-kernel", "6.18.0-1-amd64", "--kernel-has", "queue-buffers=no", "--kernel-has", "mes-queue-check=no"]);
        Assert.Contains("kernel oopses", oops, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("6.18.52", KfdReleaseFacts.QueueBuffers, false)]
    [InlineData("6.18.53", KfdReleaseFacts.QueueBuffers, true)]
    [InlineData("6.18.54", KfdReleaseFacts.QueueBuffers, null)]
    [InlineData("6.18.0-1-amd64", KfdReleaseFacts.QueueBuffers, null)]
    [InlineData("7.1.3", KfdReleaseFacts.QueueBuffers, null)]
    [InlineData("7.2-rc2", KfdReleaseFacts.QueueBuffers, true)]
    [InlineData("7.2.13", KfdReleaseFacts.QueueBuffers, false)]
    [InlineData("7.3.1", KfdReleaseFacts.QueueBuffers, false)]
    [InlineData("6.18.20", KfdReleaseFacts.MesQueueCheck, false)]
    [InlineData("7.2.13", KfdReleaseFacts.MesQueueCheck, true)]
    // Every 7.2 release (not a release candidate) is after 7.2-rc3, the revert's: a hidden stable level does not matter.
    [InlineData("7.2.0-1-amd64", KfdReleaseFacts.MesQueueCheck, true)]
    [InlineData("7.2.0-1-amd64", KfdReleaseFacts.QueueBuffers, null)]
    [InlineData("6.18.0-1-amd64", KfdReleaseFacts.WithoutDiq, false)]
    [InlineData("7.2.0-1-amd64", KfdReleaseFacts.WithoutDiq, true)]
    // e1b73b64271d is in mainline from the 7.0 merge window (a bisect log between v6.19 and v7.0-rc3, amd-gfx 2026-03-10).
    [InlineData("7.0.5", KfdReleaseFacts.WithoutDiq, true)]
    [InlineData("7.1.0-1-amd64", KfdReleaseFacts.WithoutDiq, true)]
    [InlineData("7.0.5", KfdReleaseFacts.QueueBuffers, null)]
    [InlineData("7.0.5", KfdReleaseFacts.EventPageCheck, true)]
    [InlineData("7.0-rc2", KfdReleaseFacts.EventPageCheck, null)]
    [InlineData("6.18.15", KfdReleaseFacts.EventPageCheck, false)]
    [InlineData("6.18.36", KfdReleaseFacts.EventPageCheck, true)]
    [InlineData("6.12.74", KfdReleaseFacts.EventPageCheck, false)]
    [InlineData("6.12.75", KfdReleaseFacts.EventPageCheck, true)]
    [InlineData("6.18.0-1-amd64", KfdReleaseFacts.EventPageCheck, null)]
    public void TheFacts_AreAnsweredPerRelease_NeverGuessed(string release, string fact, bool? has) =>
        Assert.Equal(has, KfdReleaseFacts.For(KernelLevel.Parse(release)!.Value)[fact].Has);

    /// <summary>
    /// Makes the SDMA queue of criu-dev-queues' KFD image (one MI210, no MES) an SDMA_XGMI one as a 6.18 kernel numbers
    /// it (4), in place in the file: the private data is one protobuf bytes field, so its bytes are found and patched.
    /// </summary>
    internal static void MakeXgmiQueue(string dump)
    {
        string path = Path.Combine(dump, "amdgpu-kfd-5.img");
        byte[] file = File.ReadAllBytes(path);
        CriuKfd kfd = CriuFileReader.Lax.ReadKfd(file).Message;
        byte[] priv = kfd.PrivData.ToArray();
        int start = file.AsSpan().IndexOf(priv);
        Assert.True(start > 0);
        ulong at = 8 + (8 * (ulong)kfd.NumOfGpus) + ((ulong)kfd.NumOfBos * 272);
        int sdma = -1;
        for (uint i = 0; i < kfd.NumOfObjects && sdma < 0; i++)
        {
            // A queue object is 120 bytes, then its MQD and control stack; only queues come before the first event here.
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(priv.AsSpan((int)at)));
            sdma = BinaryPrimitives.ReadUInt32LittleEndian(priv.AsSpan((int)at + 68)) == 1 ? (int)at : -1;
            at += 120 + BinaryPrimitives.ReadUInt32LittleEndian(priv.AsSpan((int)at + 108)) + BinaryPrimitives.ReadUInt32LittleEndian(priv.AsSpan((int)at + 112));
        }

        Assert.True(sdma >= 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(start + sdma + 68), 4);
        File.WriteAllBytes(path, file);
    }

    [Fact]
    public void ADiqKernelsXgmiQueue_ComesBackOnEngineZero_On7_2()
    {
        string dump = CriuFixtures.CopyTo("criu-dev-queues", Path.Combine(Path.GetTempPath(), $"kfd-xgmi-{Environment.ProcessId}-{Guid.NewGuid():n}"));
        CriuKfd kfd = CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(Path.Combine(dump, "amdgpu-kfd-5.img"))).Message;
        MakeXgmiQueue(dump);
        CriuKfd xgmi = CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(Path.Combine(dump, "amdgpu-kfd-5.img"))).Message;
        Directory.Delete(dump, true);

        KfdPrivateData.KfdAnswer on72 = KfdPrivateData.Answer(xgmi, KernelProfile.ForRelease("7.2.13"));
        Assert.Null(on72.Refusal);
        Assert.Contains("PCIe SDMA queue on engine 0", on72.Differs, StringComparison.Ordinal);
        // 6.18 numbers it SDMA_XGMI, as it was checkpointed: restored as it was.
        KfdPrivateData.KfdAnswer on618 = KfdPrivateData.Answer(xgmi, KernelProfile.ForRelease("6.18.53"));
        Assert.Equal((null, null, null), (on618.Refusal, on618.Unknown, on618.Differs));
        // 7.0 has the renumbering too (e1b73b64271d is in mainline from the 7.0 merge window): the same difference, certain.
        KfdPrivateData.KfdAnswer on70 = KfdPrivateData.Answer(xgmi, KernelProfile.ForRelease("7.0.13"));
        Assert.Equal((null, null), (on70.Refusal, on70.Unknown));
        Assert.Contains("PCIe SDMA queue on engine 0", on70.Differs, StringComparison.Ordinal);
        // The unchanged dump restores alike on both.
        Assert.Equal((null, null, null), (KfdPrivateData.Answer(kfd, KernelProfile.ForRelease("7.2.13")).Refusal, KfdPrivateData.Answer(kfd, KernelProfile.ForRelease("7.2.13")).Unknown, KfdPrivateData.Answer(kfd, KernelProfile.ForRelease("7.2.13")).Differs));
    }

    [Fact]
    public async Task Restorable_SplitsTheLines_WhereAKfdFactChanges()
    {
        (_, string text, _) = await Cli.Run("restorable", CriuFixtures.Path_(Dump));
        foreach (string row in new[] { "6.18.36..6.18.52: fails (CRI340)", "6.18.53: fails (CRI340)", "7.2.13: fails (CRI340)", "7.2-rc1..rc2: fails (CRI340)" })
        {
            Assert.Contains($"CRIU criu-dev (serial contents) on Linux {row}", text, StringComparison.Ordinal);
        }
    }
}
