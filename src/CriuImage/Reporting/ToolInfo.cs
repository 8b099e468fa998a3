using System.Reflection;
using CriuImage.Diagnostics;

namespace CriuImage.Reporting;

/// <summary>The tool named in reports: name, version (one number for the library and the CLI, set in Directory.Build.props), documentation.</summary>
internal static class ToolInfo
{
    /// <summary>The tool's name.</summary>
    public const string Name = "criu-image";

    /// <summary>The version, as packed (<c>0.9.0</c>), without build metadata.</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>
    /// docs/diagnostics.md as reports link to it: a reference relative to the tool's folder, where the document
    /// ships, so that no report carries the path the tool was installed at.
    /// </summary>
    public const string DiagnosticsReference = "docs/diagnostics.md";

    /// <summary>The link reports give to <paramref name="descriptor"/>'s section: <see cref="DiagnosticsReference"/> with the code as fragment.</summary>
    public static string HelpReference(DiagnosticDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return $"{DiagnosticsReference}#{descriptor.Id.ToLowerInvariant()}";
    }

    private static string ReadVersion()
    {
        string version = typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }
}
