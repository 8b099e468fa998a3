using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// How criu-dev restores a dump's KFD contents, and what says so. criu-dev takes the parallel path when the
/// restored root task has no children and the serial one otherwise (amdgpu_plugin.c:380-388 at 2cf8f13); the
/// tree is CRIU's <c>pstree.img</c> (a root task without children in it gets none at restore: CRIU adds session
/// helpers only under tasks that have children, criu/pstree.c:693-790).
/// </summary>
/// <param name="Parallel">True for the parallel path (the one replayed when <paramref name="Known"/> is false).</param>
/// <param name="Known">False when nothing in the dump says which path CRIU takes.</param>
/// <param name="Why">What says so, in words, or why it is unknown.</param>
public sealed record KfdContentsPath(bool Parallel, bool Known, string Why)
{
    /// <summary>The path of <paramref name="dump"/>: <paramref name="chosen"/> (<c>--contents</c>) when given, else what its process tree says.</summary>
    public static KfdContentsPath Of(CriuDump dump, bool? chosen = null) => Of(dump, chosen, RemedyWords.Library);

    /// <summary>As <see cref="Of(CriuDump, bool?)"/>, with the caller's <paramref name="words"/> for a path it chose or can choose.</summary>
    internal static KfdContentsPath Of(CriuDump dump, bool? chosen, RemedyWords words)
    {
        ArgumentNullException.ThrowIfNull(dump);
        if (chosen is { } parallel)
        {
            return new KfdContentsPath(parallel, true, words.For(Remedy.ContentsChosen));
        }

        if (dump.ProcessTree is { } tree)
        {
            return tree.RootHasChildren
                ? new KfdContentsPath(false, true, $"pstree.img: the root task {tree.Root.Pid} has children")
                : new KfdContentsPath(true, true, $"pstree.img: the root task {tree.Root.Pid} has no children");
        }

        int images = dump.OfKind(CriuFileKind.KfdImage).Count();
        if (images > 1)
        {
            return new KfdContentsPath(false, true, $"{images} KFD images: several processes, so the root task has children");
        }

        string missing = dump.ProcessTreeDamage is { } damage ? $"pstree.img does not read ({damage.Message})" : "the dump has no pstree.img";
        return images == 0
            ? new KfdContentsPath(false, true, "no KFD image: no KFD contents to restore")
            : new KfdContentsPath(true, false, $"unknown: {missing}, so whether the root task has children is not known; the parallel path (no children) is replayed, {words.For(Remedy.SerialContents)}");
    }
}
