using System.Buffers.Binary;
using System.Diagnostics;
using CriuImage.Criu;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The restore oracle's fake kernel (tests/restore-oracle/harness/fake_kfd_priv.c, fake_kfd_queue.c and fake_kfd_event.c, compiled
/// here with gcc) and the C# model of CRIU_OP RESTORE's private data (KfdPrivateData and its parts) give the same
/// errno and check on mutated copies of the fixtures' private data: fields of the process part, the BO records, the
/// queues, events and SVM ranges set to values near the kernel's limits, truncations, extra bytes, other object
/// counts; and, where RESTORE takes the data, RESUME's answer on its SVM ranges. Both stand for the 6.12.118 line
/// (the 6.18 of the oracle's runs).
/// </summary>
public sealed class KfdCrossCheckTests : TempFolder
{
    private const int PerDump = 1000;
    private static readonly string[] Dumps = ["criu-dev-queues", "damaged/kfd-queue-gfx11-ctl-stack", "criu-dev", "damaged/kfd-xnack-gfx11", "damaged/kfd-queue-gfx12-sdma"];

    [Fact]
    public void TheFakeKernelAndTheModel_AgreeOnEveryMutation()
    {
        string program = Build();
        var random = new Random(1808);
        var cases = new List<CriuKfd>();
        foreach (string dump in Dumps)
        {
            CriuKfd kfd = CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(CriuFixtures.Path_($"{dump}/amdgpu-kfd-5.img"))).Message;
            int[] fields = Fields(kfd);
            cases.Add(kfd);
            for (int i = 1; i < PerDump; i++)
            {
                cases.Add(Mutate(kfd, fields, random));
            }
        }

        string[] fake = Run(program, cases);
        string[] model = [.. cases.Select(Model)];
        Assert.Equal(cases.Count, fake.Length);
        var differ = Enumerable.Range(0, cases.Count).Where(i => fake[i] != model[i]).Select(i => $"case {i}: fake kernel '{fake[i]}', model '{model[i]}'").Take(5).ToList();
        Assert.True(differ.Count == 0, string.Join("\n", differ));
        // The fixtures as written: the MI210 dump is taken, the gfx11 queue and xnack and the gfx12 queue refused at their checks.
        Assert.Equal(["0 - 0 -", "22 queue-ctl-stack 0 -", "0 - 0 -", "1 process-xnack 0 -", "95 queue-restore-mqd 0 -"], Enumerable.Range(0, Dumps.Length).Select(d => fake[d * PerDump]));
        // The mutations reach the queue, event, SVM and BO checks, not only the total.
        string[] outcomes = [.. fake.Distinct()];
        Assert.True(outcomes.Length >= 20, $"only {outcomes.Length} outcomes: {string.Join(", ", outcomes)}");
        foreach (string check in new[] { "22 event-page-size", "22 event-page-userptr", "28 event-id-taken", "22 event-id-limit" })
        {
            Assert.Contains(outcomes, o => o.StartsWith(check + " ", StringComparison.Ordinal));
        }
    }

    /// <summary>RESTORE's answer, and RESUME's (of the SVM ranges) when RESTORE takes the data.</summary>
    private static string Model(CriuKfd kfd)
    {
        if (KfdPrivateData.WalkLine(kfd, KfdLine.All[^1]) is { } r)
        {
            return $"{r.Errno} {r.Check} 0 -";
        }

        return KfdSvmResume.Refusal(kfd, KernelProfile.Linux6_18) is { } late ? $"0 - {late.Errno} {late.Check}" : "0 - 0 -";
    }

    private string Build()
    {
        string harness = Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "harness");
        // The kernel's UAPI header, and of drm.h only the ioctl macros it uses (libdrm's full header is not needed).
        Directory.CreateDirectory(Path.Combine(Folder, "drm"));
        File.WriteAllText(Path.Combine(Folder, "drm", "drm.h"), "#include <linux/types.h>\n#include <linux/ioctl.h>\n#define DRM_IOCTL_BASE 'd'\n"
            + "#define DRM_IO(nr) _IO(DRM_IOCTL_BASE, nr)\n#define DRM_IOR(nr, t) _IOR(DRM_IOCTL_BASE, nr, t)\n"
            + "#define DRM_IOW(nr, t) _IOW(DRM_IOCTL_BASE, nr, t)\n#define DRM_IOWR(nr, t) _IOWR(DRM_IOCTL_BASE, nr, t)\n");
        File.Copy("/usr/include/linux/kfd_ioctl.h", Path.Combine(Folder, "kfd_ioctl.h"));
        string program = Path.Combine(Folder, "kfd_priv_check");
        CriuFixtures.Run("gcc", "-O1", "-Wall", "-Werror", "-I", Folder, "-I", harness, "-o", program,
            Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "crosscheck", "kfd_priv_check.c"), Path.Combine(harness, "fake_kfd_priv.c"), Path.Combine(harness, "fake_kfd_queue.c"), Path.Combine(harness, "fake_kfd_svm.c"), Path.Combine(harness, "fake_kfd_event.c"));
        return program;
    }

    /// <summary>The byte offsets of the u32 fields the kernel reads: process part, each BO record's handle and mapped GPUs, each object's fixed part.</summary>
    private static int[] Fields(CriuKfd kfd)
    {
        var fields = new List<int> { 0, 4 };
        ReadOnlySpan<byte> p = kfd.PrivData.Span;
        int gpus = (int)kfd.NumOfGpus, at = 8 + (8 * gpus);
        for (int b = 0; b < kfd.BoEntries.Count; b++, at += 272)
        {
            fields.AddRange(Enumerable.Range(0, 1 + gpus).Select(j => at + 8 + (4 * j)));
        }

        for (uint o = 0; o < kfd.NumOfObjects && at + 4 <= p.Length; o++)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(p[at..]);
            int fixedPart = type switch { 0 => 120, 1 => 32, _ => 24 + (8 * (4 + gpus)) };
            fields.AddRange(Enumerable.Range(0, fixedPart / 4).Select(k => at + (4 * k)));
            at += type switch { 0 => 120 + (int)BinaryPrimitives.ReadUInt32LittleEndian(p[(at + 108)..]) + (int)BinaryPrimitives.ReadUInt32LittleEndian(p[(at + 112)..]), 1 => 64, _ => fixedPart };
        }

        return [.. fields];
    }

    private static CriuKfd Mutate(CriuKfd kfd, int[] fields, Random random)
    {
        byte[] priv = kfd.PrivData.ToArray();
        uint objects = kfd.NumOfObjects;
        List<KfdBoEntry> bos = [.. kfd.BoEntries];
        uint[] gpus = [.. kfd.DeviceEntries.Where(d => d.IsGpu).Select(d => d.GpuId)];
        for (int n = random.Next(1, 3); n > 0; n--)
        {
            int kind = random.Next(10);
            if (kind < 7 && priv.Length >= 4)
            {
                int at = fields[random.Next(fields.Length)];
                if (at + 4 > priv.Length)
                {
                    continue;
                }

                uint old = BinaryPrimitives.ReadUInt32LittleEndian(priv.AsSpan(at));
                uint[] near = [0, 1, 2, 3, 4, 5, 6, 7, 512, 520, 2048, 4096, 0x7000, old + 1, old - 1, old * 2, old + 4096, old - 4096, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1023, 1024, 127, gpus[random.Next(gpus.Length)], 0xBEEF, (uint)random.Next()];
                BinaryPrimitives.WriteUInt32LittleEndian(priv.AsSpan(at), near[random.Next(near.Length)]);
            }
            else if (kind < 9)
            {
                int length = Math.Max(0, random.Next(2) == 0 ? priv.Length - random.Next(1, 128) : priv.Length + random.Next(1, 64));
                int was = priv.Length;
                Array.Resize(ref priv, length);
                random.NextBytes(priv.AsSpan(Math.Min(was, length)));
            }
            else if (random.Next(2) == 0)
            {
                objects = (uint)random.Next(7);
            }
            else
            {
                // A BO's size or its userptr flag, which the event page's map and kfd_event_page_set check.
                int b = random.Next(bos.Count);
                ulong[] sizes = [4096, 8192, 32768 - 4096, 32768, 65536];
                bos[b] = random.Next(2) == 0 ? bos[b] with { Size = sizes[random.Next(sizes.Length)] } : bos[b] with { AllocFlags = bos[b].AllocFlags ^ (1u << 2) };
            }
        }

        return kfd with { PrivData = priv, NumOfObjects = objects, BoEntries = bos };
    }

    private static string[] Run(string program, List<CriuKfd> cases)
    {
        var input = new MemoryStream();
        var w = new BinaryWriter(input);
        foreach (CriuKfd kfd in cases)
        {
            KfdDeviceEntry[] gpus = [.. kfd.DeviceEntries.Where(d => d.IsGpu)];
            w.Write((uint)gpus.Length);
            w.Write((uint)kfd.BoEntries.Count);
            w.Write(kfd.NumOfObjects);
            w.Write((ulong)kfd.PrivData.Length);
            foreach (KfdDeviceEntry g in gpus)
            {
                foreach (uint v in new[] { g.GpuId, g.DeviceId, g.SimdCount, g.SimdPerCu, g.ArrayCount, g.SimdArraysPerEngine, g.NumSdmaEngines, g.NumSdmaXgmiEngines, g.NumSdmaQueuesPerEngine, g.LdsSizeInKb })
                {
                    w.Write(v);
                }
            }

            foreach (KfdBoEntry bo in kfd.BoEntries)
            {
                w.Write(bo.GpuId);
                w.Write(bo.Addr);
                w.Write(bo.Size);
                w.Write(bo.AllocFlags);
            }

            w.Write(kfd.PrivData.Span);
        }

        w.Flush();
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(input.ToArray());
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "the fake kernel's walk did not finish within a minute");
        Assert.Equal(0, process.ExitCode);
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
