using CriuImage.Diagnostics;

namespace CriuImage.Topology;

/// <summary>
/// A topology input that cannot be read: a folder CRIU's parser would refuse (its restore then stops with
/// <c>Failed to parse local system topology</c>), or a damaged snapshot or archive.
/// </summary>
public sealed class TopologyFormatException : InputFormatException
{
    /// <summary>Creates the exception for <paramref name="path"/> (relative to the topology root).</summary>
    public TopologyFormatException(string path, string detail)
        : base($"{path}: {detail}", detail)
    {
        Path = path;
    }

    /// <summary>Creates the exception (no path).</summary>
    public TopologyFormatException()
        : this("", "the topology cannot be read")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TopologyFormatException(string message)
        : this("", message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TopologyFormatException(string message, Exception inner)
        : base(message, message, inner)
    {
        Path = "";
    }

    /// <summary>The file or folder at fault, relative to the topology root (<c>nodes/2/properties</c>).</summary>
    public string Path { get; } = "";

    /// <summary>
    /// True when the input is well formed but CRIU's own parser refuses it: on that host the restore stops with
    /// <c>Failed to parse local system topology</c> (amdgpu_plugin.c:1986-1989). False for a damaged input.
    /// </summary>
    public bool CriuRefuses { get; init; }

    /// <inheritdoc/>
    public override string? InputPath => Path.Length == 0 ? null : Path;
}
