namespace CriuImage.Verification;

/// <summary>A mapping as the overlap check needs it: an inclusive page range and who it belongs to (24 bytes).</summary>
/// <param name="First">First GPU page.</param>
/// <param name="Last">Last GPU page, inclusive.</param>
/// <param name="Bo">Ordinal of the BO in the image.</param>
/// <param name="Mapping">Index of the VM bucket within its BO.</param>
internal readonly record struct MappingRange(ulong First, ulong Last, int Bo, uint Mapping);
