using ArchUnitNET.Domain;
using ArchUnitNET.Loader;

namespace CriuImage.Tests.Architecture;

/// <summary>
/// The library's and the CLI's namespaces point one way (ARCHITECTURE.md): every use of a type, read from the compiled
/// assemblies (signatures and method bodies), goes to the user's own layer or one below, and no group of
/// namespaces uses each other in a circle.
/// </summary>
public sealed class LayerTests
{
    private static readonly Lazy<IReadOnlyList<(IType From, IType To)>> Uses = new(ReadUses);

    [Fact]
    public void EveryNamespace_HasALayer()
    {
        string[] homeless = [.. Uses.Value.SelectMany(u => new[] { u.From, u.To }).Select(t => t.Namespace.FullName)
            .Distinct().Where(ns => Layers.Of(ns) < 0).Order(StringComparer.Ordinal)];
        Assert.True(homeless.Length == 0, $"place these namespaces in tests/CriuImage.Tests/Architecture/Layers.cs: {string.Join(", ", homeless)}");
    }

    [Fact]
    public void NoNamespace_UsesALayerAboveIt()
    {
        string[] upward = [.. Uses.Value
            .Where(u => Layers.Of(u.To.Namespace.FullName) > Layers.Of(u.From.Namespace.FullName) && !Allowed(u))
            .Select(u => $"{u.From.FullName} ({Layer(u.From)}) uses {u.To.FullName} ({Layer(u.To)})")
            .Distinct().Order(StringComparer.Ordinal)];
        Assert.True(upward.Length == 0, $"{upward.Length} uses of a higher layer:\n{string.Join('\n', upward)}");
    }

    [Fact]
    public void Namespaces_FormNoCycle()
    {
        // A cycle inside one layer passes the layer test; here every namespace of the library and the CLI is a node.
        var edges = Uses.Value.Where(u => !Allowed(u))
            .Select(u => (From: u.From.Namespace.FullName, To: u.To.Namespace.FullName)).Where(e => e.From != e.To)
            .Distinct().ToLookup(e => e.From, e => e.To);
        string[] nodes = [.. Uses.Value.Select(u => u.From.Namespace.FullName).Distinct().Order(StringComparer.Ordinal)];
        Assert.Contains("CriuImage.Verification", nodes);
        Assert.Contains("CriuImage.Analyzer.Commands", nodes);
        List<string[]> cycles = StronglyConnected(nodes, n => edges[n]).Where(c => c.Length > 1).ToList();
        Assert.True(cycles.Count == 0, string.Join('\n', cycles.Select(c => "cycle: " + string.Join(" <-> ", c.Order(StringComparer.Ordinal)))));
    }

    [Fact]
    public void EveryAllowedUpwardUse_IsStillMade()
    {
        string[] unused = [.. Layers.AllowedUpward.Where(a => !Uses.Value.Any(u => u.From.Namespace.FullName == a.From && u.To.FullName == a.Type))
            .Select(a => $"{a.From} -> {a.Type}")];
        Assert.True(unused.Length == 0, $"no longer used, delete from Layers.AllowedUpward: {string.Join(", ", unused)}");
    }

    [Fact]
    public void TheLayerMap_PlacesTheKnownNamespaces()
    {
        // The map itself: a sub-namespace falls under its parent, the root only under itself.
        Assert.Equal("CriuImage.Analyzer.Commands", Layers.Home("CriuImage.Analyzer.Commands"));
        Assert.Equal("CriuImage.Analyzer", Layers.Home("CriuImage.Analyzer.Elsewhere"));
        Assert.True(Layers.Of("CriuImage.Analyzer.Cli") < Layers.Of("CriuImage.Analyzer.Commands"));
        Assert.True(Layers.Of("CriuImage.Analyzer.Commands") < Layers.Of("CriuImage.Analyzer"));
        Assert.Equal("CriuImage.Input", Layers.Home("CriuImage.Input.Oci"));
        Assert.Null(Layers.Home("CriuImage.Elsewhere"));
        Assert.True(Layers.Of("CriuImage.Diagnostics") < Layers.Of("CriuImage.Verification"));
        Assert.True(Layers.Of("CriuImage.Verification") < Layers.Of("CriuImage.Reporting"));
    }

    private static bool Allowed((IType From, IType To) use) =>
        Layers.AllowedUpward.Contains((use.From.Namespace.FullName, use.To.FullName));

    private static string Layer(IType type) => Layers.Of(type.Namespace.FullName) is var i and >= 0 ? Layers.Order[i].Name : "no layer";

    private static IReadOnlyList<(IType From, IType To)> ReadUses()
    {
        ArchUnitNET.Domain.Architecture architecture = new ArchLoader()
            .LoadAssemblies(typeof(ImageReader).Assembly, typeof(CriuImage.Analyzer.Program).Assembly)
            .Build();
        static bool Ours(IType t) => t.Namespace.FullName == "CriuImage" || t.Namespace.FullName.StartsWith("CriuImage.", StringComparison.Ordinal);
        return [.. architecture.Types.Where(Ours)
            .SelectMany(t => t.Dependencies.Select(d => (From: t, To: d.Target)))
            .Where(u => Ours(u.To) && !ReferenceEquals(u.From, u.To))];
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static IEnumerable<string[]> StronglyConnected(IReadOnlyList<string> nodes, Func<string, IEnumerable<string>> next)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<string[]>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in next(v))
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                found.Add([.. component]);
            }
        }

        foreach (string n in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(n);
        }

        return found;
    }
}
