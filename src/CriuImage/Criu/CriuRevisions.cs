namespace CriuImage.Criu;

/// <summary>
/// The schema revisions of CRIU's <c>plugins/amdgpu/criu-amdgpu.proto</c> that wrote dumps, as a set: a
/// file whose wire fits more than one of them is reported with all of them, never guessed.
/// </summary>
[Flags]
public enum CriuRevisions
{
    /// <summary>The wire fits no known revision.</summary>
    None = 0,

    /// <summary>Every release, v3.17 .. v4.2 (wire-identical; v4.0 renamed messages only): render node = gpu_id alone, KFD BOs without handle.</summary>
    Released = 1,

    /// <summary>criu-dev after db0ec806d (November 2025): KFD <c>handle</c> required, render node with BOs and mappings, dma-buf nodes.</summary>
    CriuDev = 2,

    /// <summary>The unmerged PR #2581 (commit d5377d5d2): KFD BOs with handle and is_import, render node with pid, objects and priv_data, BOs without mappings.</summary>
    D5377d5d2 = 4,
}

/// <summary>Names of revision sets as reports print them.</summary>
public static class CriuRevisionNames
{
    /// <summary><c>released (v3.17..v4.2)</c>, <c>criu-dev</c>, <c>d5377d5d2</c>, or several joined by <c> or </c>; <c>unknown</c> for none.</summary>
    public static string Describe(CriuRevisions revisions)
    {
        if (revisions == CriuRevisions.None)
        {
            return "unknown";
        }

        var names = new List<string>(3);
        if (revisions.HasFlag(CriuRevisions.Released))
        {
            names.Add("released (v3.17..v4.2)");
        }

        if (revisions.HasFlag(CriuRevisions.CriuDev))
        {
            names.Add("criu-dev");
        }

        if (revisions.HasFlag(CriuRevisions.D5377d5d2))
        {
            names.Add("d5377d5d2");
        }

        return string.Join(" or ", names);
    }

    /// <summary>Short ids for JSON: <c>released</c>, <c>criu-dev</c>, <c>d5377d5d2</c>.</summary>
    public static IReadOnlyList<string> Ids(CriuRevisions revisions)
    {
        var ids = new List<string>(3);
        if (revisions.HasFlag(CriuRevisions.Released))
        {
            ids.Add("released");
        }

        if (revisions.HasFlag(CriuRevisions.CriuDev))
        {
            ids.Add("criu-dev");
        }

        if (revisions.HasFlag(CriuRevisions.D5377d5d2))
        {
            ids.Add("d5377d5d2");
        }

        return ids;
    }
}
