using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.Restore;

namespace CriuImage.Tests;

/// <summary>
/// The replay's BO sets and verify's duplicate-handle check keep a run of rising handles out of their hash slots
/// (<see cref="RenderNodeBoSet"/>, <see cref="FirstHandles"/>): they must answer as a dictionary does whether the
/// handles rise, repeat, fall or come in at random, over one node or several, in order or not.
/// </summary>
public sealed class RenderNodeBoSetTests
{
    public static TheoryData<string> Patterns => [.. HandlePatterns.Keys];

    private static readonly Dictionary<string, Func<Random, int, uint[]>> HandlePatterns = new(StringComparer.Ordinal)
    {
        ["rising"] = (_, n) => [.. Enumerable.Range(1, n).Select(i => (uint)i)],
        ["rising, then an earlier one again"] = (_, n) => [.. Enumerable.Range(1, n - 1).Select(i => (uint)i), (uint)(n / 2)],
        ["rising with a repeat inside"] = (_, n) => [.. Enumerable.Range(1, n).Select(i => (uint)(i == n / 2 ? i - 1 : i))],
        ["falling"] = (_, n) => [.. Enumerable.Range(1, n).Select(i => (uint)(n - i + 1))],
        ["random, with repeats"] = (r, n) => [.. Enumerable.Range(0, n).Select(_ => (uint)r.Next(1, n))],
        ["rising in steps of 2^32 / 7"] = (_, n) => [.. Enumerable.Range(0, n).Select(i => unchecked((uint)i * 613566756u))],
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void TheSet_AnswersAsADictionary(string pattern)
    {
        var random = new Random(pattern.Length);
        uint[] handles = HandlePatterns[pattern](random, 3000);
        // Two nodes on one render minor and one on another; the first two share their handles.
        (CriuRenderNode Node, RenderNodeBos Bos, string File)[] nodes =
        [
            Node(128, handles, "amdgpu-renderD-7.img"),
            Node(128, handles, "amdgpu-renderD-8.img"),
            Node(129, [.. handles.Reverse()], "amdgpu-renderD-9.img"),
        ];
        foreach (RenderNodeBoKey key in new[] { RenderNodeBoKey.Handle, RenderNodeBoKey.HandleAndMinor })
        {
            foreach (bool inOrder in new[] { true, false })
            {
                var set = new RenderNodeBoSet(key, 100);
                var model = new Dictionary<(uint, uint), (int Node, int Index)>();
                var order = Enumerable.Range(0, nodes.Length).SelectMany(n => Enumerable.Range(0, handles.Length).Select(i => (n, i))).ToList();
                if (!inOrder)
                {
                    order = [.. order.OrderBy(_ => random.Next())];
                }

                foreach ((int n, int i) in order)
                {
                    (CriuRenderNode node, RenderNodeBos bos, string file) = nodes[n];
                    (uint, uint) k = (bos.At(i).Handle, key == RenderNodeBoKey.Handle ? 0 : node.DrmRenderMinor);
                    Assert.Equal(model.TryAdd(k, (n, i)), set.TryAdd(node, bos, file, i));
                    uint probe = handles[random.Next(handles.Length)];
                    Assert.Equal(model.ContainsKey((probe, key == RenderNodeBoKey.Handle ? 0u : 128u)), set.Contains(probe, 128));
                }

                Assert.Equal(model.Count, set.Count);
                foreach (((uint handle, uint minor), (int n, int i)) in model)
                {
                    Assert.True(set.TryGet(handle, minor, out CriuRenderNode node, out string file, out int index));
                    Assert.Equal((nodes[n].Node, nodes[n].File, i), (node, file, index));
                    Assert.True(set.Holds(file, handle));
                }

                for (int n = 0; n < nodes.Length; n++)
                {
                    int held = model.Values.Count(v => v.Node == n);
                    Assert.Equal(held == handles.Length, set.HoldsAll(set.NodeOf(nodes[n].File), handles.Length));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void FirstHandles_FindsTheFirstBoOfEachHandle(string pattern)
    {
        uint[] handles = HandlePatterns[pattern](new Random(pattern.Length), 3000);
        RenderNodeBos bos = Node(128, handles, "amdgpu-renderD-7.img").Bos;
        var first = new FirstHandles(bos);
        var model = new Dictionary<uint, int>();
        for (int i = 0; i < handles.Length; i++)
        {
            bool seen = !model.TryAdd(handles[i], i);
            Assert.Equal(!seen, first.TryTake(i, out int index));
            Assert.Equal(model[handles[i]], index);
        }
    }

    private static (CriuRenderNode Node, RenderNodeBos Bos, string File) Node(uint minor, uint[] handles, string file)
    {
        RenderNodeBos bos = RenderNodeBos.Of([.. handles.Select(h => new CriuBoEntry(0, 4096, 0, 0, 1, 1, h, 0, 0, Array.Empty<VmRecord>()))]);
        return (new CriuRenderNode(0x1a2b, 7, minor, (ulong)handles.Length, bos), bos, file);
    }
}
