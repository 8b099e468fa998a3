namespace CriuImage.Topology;

/// <summary>The host check of one KFD image, as a verify report carries it.</summary>
/// <param name="Target">The target host as the user named it.</param>
/// <param name="Result">The verdict, the GPU map and the reasons (the findings are also the report's diagnostics).</param>
public sealed record HostVerdict(string Target, HostCheckResult Result);
