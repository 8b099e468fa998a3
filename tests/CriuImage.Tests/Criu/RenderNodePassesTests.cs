using System.Runtime.CompilerServices;
using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// How many times each command reads every entry of a render node whose values are not held (read again from the
/// file on each pass, <see cref="RenderNodeBos.Reread"/>), counted by <see cref="RenderNodeBos.EntryReads"/>: a pass
/// added back makes these fail. Where the figures come from is docs/performance.md ("Passes over a render node").
/// </summary>
public sealed class RenderNodePassesTests : TempFolder
{
    private const int Bos = 3_000;

    /// <summary>
    /// A render node given alone (not a whole dump: no drm-pages file is looked for), of exports in VRAM with one to
    /// three mappings each, restored in one pass. verify: the image rules' walk, the plan's survey, and CRIU's
    /// replay (its restore loop and its contents loop in one walk, the calls counted); plan: the survey, the counted
    /// replay, the plan's calls as written, and the replay whose calls are written (restore loop, then contents loop,
    /// as CRIU makes them: holding the calls instead would hold one per mapping). Before session 11: verify 6 (5 and
    /// the walk that located its findings, where it has any), plan 6.
    /// </summary>
    [Theory]
    [InlineData(3, "verify")]
    [InlineData(3, "verify", "--format", "json")]
    [InlineData(5, "plan")]
    [InlineData(5, "plan", "--format", "json")]
    public async Task ANodeGivenAlone_IsReadAsOftenAsEachCommandNeeds(int passes, params string[] command)
    {
        string path = Path.Combine(Folder, "amdgpu-renderD-7.img");
        File.WriteAllBytes(path, Exports(Bos));
        Assert.Equal(passes * (long)Bos, await Reads([.. command, path]));
    }

    /// <summary>
    /// A whole dump (the criu-dev fixture: two render nodes of 4 BOs in all, one an import, their drm-pages files
    /// looked for, the rules across files and CRIU's replay over every file) is read no more than now: verify 65
    /// entries, plan 46; before session 11, 77 and 52.
    /// </summary>
    [Theory]
    [InlineData(65, "verify")]
    [InlineData(46, "plan")]
    public async Task AWholeDump_IsReadNoMoreOftenThanNow(int reads, string command)
    {
        string dump = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump"));
        Assert.InRange(await Reads([command, dump]), 1, reads);
    }

    /// <summary>The entries <c>criu-image ARGS</c> reads from the files, with no render node's values held.</summary>
    private static async Task<long> Reads(string[] args)
    {
        var reads = new StrongBox<long>();
        HeldBudget.Set.Value = 0;
        RenderNodeBos.EntryReads.Value = reads;
        try
        {
            (int code, string output, string error) = await Cli.Run(args);
            Assert.True(code is 0 or 1, $"{string.Join(' ', args)}: exit {code}\n{output}{error}");
        }
        finally
        {
            HeldBudget.Set.Value = null;
            RenderNodeBos.EntryReads.Value = null;
        }

        return reads.Value;
    }

    /// <summary>
    /// The file of a criu-dev node of <paramref name="bos"/> exports in VRAM of 1..3 mappings each, no two overlapping,
    /// written field by field: every required field present, <c>is_import</c> 0 included, as protobuf-c writes them.
    /// </summary>
    private static byte[] Exports(int bos)
    {
        var body = new List<byte>();
        void Field(List<byte> into, int number, ulong value) => into.AddRange([.. CriuImages.Varint((ulong)number << 3), .. CriuImages.Varint(value)]);
        void Message(List<byte> into, int number, List<byte> message) => into.AddRange([.. CriuImages.Varint(((ulong)number << 3) | 2), .. CriuImages.Varint((ulong)message.Count), .. message]);
        Field(body, 1, 0xBEEF);
        Field(body, 2, 9);
        Field(body, 3, 128);
        Field(body, 4, (ulong)bos);
        ulong va = 0x1_0000_0000;
        for (int i = 0; i < bos; i++)
        {
            int mappings = 1 + (i % 3);
            var entry = new List<byte>();
            Field(entry, 1, va + ((ulong)(mappings - 1) * 4096));
            Field(entry, 2, 4096);
            Field(entry, 3, 0x1_0000_0000 + ((ulong)i << 12));
            Field(entry, 4, 8);
            Field(entry, 5, 1);
            Field(entry, 6, 4);
            Field(entry, 7, (ulong)i + 1);
            Field(entry, 8, 0);
            Field(entry, 9, (ulong)mappings);
            for (int m = 0; m < mappings; m++, va += 4096)
            {
                var vm = new List<byte>();
                Field(vm, 1, va);
                Field(vm, 2, 4096);
                Field(vm, 3, 0);
                Field(vm, 4, 0xE);
                Message(entry, 10, vm);
            }

            Message(body, 5, entry);
        }

        return [.. BitConverter.GetBytes((ulong)body.Count), .. body];
    }
}
