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
        ("input", ["CriuImage.Input"]),
        ("readers", ["CriuImage", "CriuImage.Capture", "CriuImage.Scanning", "CriuImage.Criu", "CriuImage.Topology", "CriuImage.Json"]),
        ("rules", ["CriuImage.Verification", "CriuImage.Restore"]),
        ("reporting", ["CriuImage.Reporting"]),
        // The CLI in three: shared infrastructure (exit codes, streams, output, errors, terminal, shared options),
        // the commands over it, and Program at the top that only wires the commands into the root command.
        ("cli shared", ["CriuImage.Analyzer.Cli"]),
        ("cli commands", ["CriuImage.Analyzer.Commands"]),
        ("cli program", ["CriuImage.Analyzer"]),
    ];

    /// <summary>
    /// Upward uses allowed by name, with the types they may use: none since the input layer knows no CRIU file
    /// kinds (the CRIU reader chooses its files, Criu.DumpInputs, and groups them into dumps, Criu.InputPlan).
    /// </summary>
    public static IReadOnlyList<(string From, string Type)> AllowedUpward { get; } = [];

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
