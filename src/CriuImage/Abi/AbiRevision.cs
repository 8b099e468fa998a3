namespace CriuImage.Abi;

/// <summary>
/// The kernel interface revision that produced an image's data. Request numbers were reused with other
/// layouts across revisions, so the revision is recorded, never inferred.
/// </summary>
public enum AbiRevision
{
    /// <summary><c>criu-2025-06</c>: the 13 June 2025 posting; BO bucket with mmap offset, mappings in GPU pages, flags converted to uapi bits.</summary>
    Criu2025_06,

    /// <summary><c>criu-v8</c>: the July 2025 v8 posting; BO bucket without offset, mappings in GPU pages, flags copied from the kernel's mapping.</summary>
    CriuV8,

    /// <summary><c>linux-6.18</c>: merged GEM_LIST_HANDLES and GEM_OP GET_MAPPING_INFO; mapping address and size in bytes.</summary>
    Linux6_18,
}

/// <summary>The identifiers of <see cref="AbiRevision"/> used in images and in the JSON interchange.</summary>
public static class AbiRevisionNames
{
    /// <summary>The identifier of <paramref name="revision"/>: <c>criu-2025-06</c>, <c>criu-v8</c> or <c>linux-6.18</c>.</summary>
    public static string ToId(this AbiRevision revision) => revision switch
    {
        AbiRevision.Criu2025_06 => "criu-2025-06",
        AbiRevision.CriuV8 => "criu-v8",
        AbiRevision.Linux6_18 => "linux-6.18",
        _ => throw new ArgumentOutOfRangeException(nameof(revision), revision, "not a known ABI revision"),
    };

    /// <summary>Parses an identifier; false for anything but the three known ones.</summary>
    public static bool TryParse(ReadOnlySpan<char> id, out AbiRevision revision)
    {
        switch (id)
        {
            case "criu-2025-06": revision = AbiRevision.Criu2025_06; return true;
            case "criu-v8": revision = AbiRevision.CriuV8; return true;
            case "linux-6.18": revision = AbiRevision.Linux6_18; return true;
            default: revision = default; return false;
        }
    }

    /// <summary>True where VM buckets carry addr and size in bytes rather than start and last GPU pages.</summary>
    public static bool MappingsInBytes(this AbiRevision revision) => revision == AbiRevision.Linux6_18;
}
