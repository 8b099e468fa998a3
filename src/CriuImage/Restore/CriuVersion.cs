using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// The CRIU whose amdgpu plugin restores a dump (<c>--criu VERSION</c>): a release v3.17 .. v4.2, criu-dev, or
/// a criu-dev commit named in restore-facts.json. What each can restore comes from the commits that added it.
/// </summary>
public sealed record CriuVersion
{
    private CriuVersion(string name, bool released, IReadOnlySet<string> features)
    {
        Name = name;
        Released = released;
        _features = features;
    }

    private readonly IReadOnlySet<string> _features;

    /// <summary>The version as given (<c>v4.2</c>, <c>criu-dev</c>, <c>db0ec806d</c>).</summary>
    public string Name { get; }

    /// <summary>True for a release (v3.17 .. v4.2): the released schema, render nodes restored as the device alone.</summary>
    public bool Released { get; }

    /// <summary>
    /// Restores render-node BOs (<c>amdgpu_plugin_drm_restore_file</c>) and, at restore init, unpacks every KFD and
    /// render-node file with a schema whose <c>kfd_bo_entry.handle</c> is required (since db0ec806d).
    /// </summary>
    public bool RenderNodeBos => _features.Contains("render-node-bos");

    /// <summary>Restores <c>amdgpu-dmabuf_ID.img</c> files (since 9e404e208).</summary>
    public bool Dmabuf => _features.Contains("dmabuf");

    /// <summary>Restores KFD contents in parallel when the restored root task has no children (since 4a3a695df).</summary>
    public bool Parallel => _features.Contains("parallel");

    /// <summary>Every name <see cref="Parse"/> takes, for messages.</summary>
    public static string Names => $"{string.Join(", ", RestoreFacts.CriuReleases)}, criu-dev, or a criu-dev commit ({string.Join(", ", RestoreFacts.CriuCommits.Select(c => c.Commit))})";

    /// <summary>criu-dev as checked (restore-facts.json).</summary>
    public static CriuVersion CriuDev => Parse("criu-dev")!;

    /// <summary>v4.2, the newest release.</summary>
    public static CriuVersion V4_2 => Parse("v4.2")!;

    /// <summary>The version named <paramref name="name"/>, or null when it is none of <see cref="Names"/>.</summary>
    public static CriuVersion? Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (RestoreFacts.CriuReleases.Contains(name))
        {
            return new CriuVersion(name, true, new HashSet<string>());
        }

        IReadOnlyList<(string Commit, string Adds)> commits = RestoreFacts.CriuCommits;
        int at = name == "criu-dev"
            ? commits.Count - 1
            : name.Length >= 7 && name.All(Uri.IsHexDigit) ? FindCommit(commits, name.ToLowerInvariant()) : -1;
        return at < 0 ? null : new CriuVersion(name, false, commits.Take(at + 1).Select(c => c.Adds).Where(a => a.Length > 0).ToHashSet());
    }

    /// <summary>The CRIU that wrote <paramref name="dump"/> (<see cref="CriuWriter.Of"/>); null for a d5377d5d2 dump, whose restore code is not modelled.</summary>
    public static CriuVersion? Writer(CriuDump dump) => CriuWriter.Of(dump).Version;

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static int FindCommit(IReadOnlyList<(string Commit, string Adds)> commits, string name)
    {
        for (int i = 0; i < commits.Count; i++)
        {
            if (commits[i].Commit.StartsWith(name, StringComparison.Ordinal) || name.StartsWith(commits[i].Commit, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
