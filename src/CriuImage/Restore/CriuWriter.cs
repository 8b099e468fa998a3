using System.Globalization;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// The CRIU that wrote a dump, the default of <c>--criu</c>: the schema its files fit, and the version a checkpoint
/// artifact's annotations record (<c>criu.version</c> under Podman's, CRI-O's or checkpointctl's prefix: go-criu's
/// <c>GetCriuVersion</c>, major*10000 + minor*100 + sublevel, so 40100 is 4.1).
/// </summary>
internal static class CriuWriter
{
    private const string Key = "criu.version";

    /// <summary>
    /// The writer of <paramref name="dump"/> and what says so. An annotated release whose schema the files fit names
    /// it (v4.1 rather than v4.2); files that fit criu-dev's schema only were written by criu-dev, whatever the
    /// annotation says (criu-dev builds report the release they follow, Makefile.versions: 4.2 at 2cf8f13); released
    /// files without an annotation are v4.2's (v3.17..v4.2 restore alike); null for a d5377d5d2 dump.
    /// </summary>
    public static (CriuVersion? Version, string Why) Of(CriuDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        CriuRevisions revisions = dump.Revisions;
        (string? key, string? value, string? release) = Annotated(dump);
        string said = key is null ? "" : $"; the artifact's {key} is {value}";
        if (release is not null && (revisions & CriuRevisions.Released) != 0)
        {
            return (CriuVersion.Parse(release), $"{key} is {value}: CRIU {release}, and the dump's files fit the released schema");
        }

        if ((revisions & CriuRevisions.CriuDev) != 0)
        {
            return (CriuVersion.CriuDev, $"the dump's files fit criu-dev's schema{said}");
        }

        if ((revisions & CriuRevisions.Released) != 0)
        {
            return (CriuVersion.V4_2, $"the dump's files fit the released schema (v3.17..v4.2 restore alike){said}");
        }

        return (null, $"the dump's files fit neither criu-dev's nor a release's schema{said}");
    }

    /// <summary>The first artifact annotation of the CRIU version among the dump's files, and the release it names when it is one restore-facts.json knows.</summary>
    private static (string? Key, string? Value, string? Release) Annotated(CriuDump dump)
    {
        foreach (Artifact artifact in dump.Files.Select(f => f.Input.Artifact).OfType<Artifact>().Distinct())
        {
            foreach (string prefix in new[] { CheckpointAnnotations.Podman, CheckpointAnnotations.CriO, CheckpointAnnotations.Criu })
            {
                if (artifact.Annotations.TryGetValue(prefix + Key, out string? value))
                {
                    string? release = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0
                        ? Name(number / 10000, number / 100 % 100, number % 100)
                        : null;
                    return (prefix + Key, value, release is not null && RestoreFacts.CriuReleases.Contains(release) ? release : null);
                }
            }
        }

        return (null, null, null);
    }

    private static string Name(int major, int minor, int sublevel) =>
        sublevel == 0 ? $"v{major}.{minor}" : $"v{major}.{minor}.{sublevel}";
}
