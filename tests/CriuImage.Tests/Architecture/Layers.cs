namespace CriuImage.Tests.Architecture;

/// <summary>
/// The layers of ARCHITECTURE.md, bottom to top, as the namespaces that make them. A namespace belongs to the
/// layer that lists it or its nearest listed parent (<c>CriuImage.Input.Oci</c> is input); the root namespace
/// <c>CriuImage</c> only to itself. A new namespace with no listed parent has no layer, and the layer test
/// fails until it is placed here.
/// </summary>
internal static class Layers
{
    /// <summary>Bottom to top: each layer may use its own namespaces and those below, never those above.</summary>
    public static IReadOnlyList<(string Name, string[] Namespaces)> Order { get; } =
    [
        ("facts", ["CriuImage.Abi", "CriuImage.Kernel", "CriuImage.Diagnostics"]),
        ("encoding", ["CriuImage.MessagePack", "CriuImage.Format", "CriuImage.IO"]),
        ("input", ["CriuImage.Sources", "CriuImage.Input"]),
        ("readers", ["CriuImage", "CriuImage.Scanning", "CriuImage.Criu", "CriuImage.Topology", "CriuImage.Json"]),
        ("rules", ["CriuImage.Verification", "CriuImage.Restore"]),
        ("reporting", ["CriuImage.Reporting"]),
        ("cli", ["CriuImage.Analyzer"]),
    ];

    /// <summary>
    /// The one upward use kept, with the types it may use: the input layer (Sources) names CRIU's files and
    /// groups them into dumps (InputPlan). It goes when the input layer takes CRIU's file names from
    /// CriuImage.Kernel and the grouping into dumps moves up to the CRIU reader; then delete it here (the
    /// test <see cref="LayerTests.EveryAllowedUpwardUse_IsStillMade"/> says when).
    /// </summary>
    public static IReadOnlyList<(string From, string Type)> AllowedUpward { get; } =
    [
        ("CriuImage.Sources", "CriuImage.Criu.CriuFileKind"),
        ("CriuImage.Sources", "CriuImage.Criu.CriuFileName"),
        ("CriuImage.Sources", "CriuImage.Criu.CriuDump"),
        ("CriuImage.Sources", "CriuImage.Criu.CriuDumpFile"),
    ];

    /// <summary>The namespace (of <see cref="Order"/>) that <paramref name="ns"/> belongs to, or null.</summary>
    public static string? Home(string ns)
    {
        for (string? n = ns; n is not null; n = Parent(n))
        {
            if (Order.Any(l => l.Namespaces.Contains(n)) && (n != "CriuImage" || ns == "CriuImage"))
            {
                return n;
            }
        }

        return null;
    }

    /// <summary>The index in <see cref="Order"/> of <paramref name="ns"/>'s layer, or -1.</summary>
    public static int Of(string ns) => Home(ns) is { } home ? Order.ToList().FindIndex(l => l.Namespaces.Contains(home)) : -1;

    private static string? Parent(string ns) => ns.LastIndexOf('.') is var dot and > 0 ? ns[..dot] : null;
}
