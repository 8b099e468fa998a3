using CriuImage.Format;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>One dump of a plan: its files read, whether its folder was searched, and where each file sits in <see cref="InputSet.Files"/>.</summary>
/// <param name="Dump">The dump.</param>
/// <param name="Complete">True when the folder was searched, so a file it lacks is missing rather than unnamed.</param>
/// <param name="Indices">Index in <see cref="InputSet.Files"/> of each file of <see cref="CriuDump.Files"/>.</param>
public sealed record PlannedDump(CriuDump Dump, bool Complete, IReadOnlyList<int> Indices);

/// <summary>
/// What the files found are: CRIU amdgpu files grouped by folder into dumps (a file named on its own
/// under another name is recognised by content, and is a dump of its own), and everything else, which
/// is checked as a criu-image.
/// </summary>
/// <param name="Dumps">The dumps, in the order their first file was found.</param>
/// <param name="Images">Indices of the other files.</param>
public sealed record InputPlan(IReadOnlyList<PlannedDump> Dumps, IReadOnlyList<int> Images)
{

    /// <summary>Plans <paramref name="inputs"/>: their files are read with one <see cref="IO.HeldBudget"/>, so together they hold no more values in memory than one file may.</summary>
    public static InputPlan Of(InputSet inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using IO.HeldBudget.Scope shared = IO.HeldBudget.Share();
        var criu = new List<(int Index, CriuFileName Name, string Folder)>();
        var images = new List<int>();
        IReadOnlyList<InputFile> trees = DumpInputs.TreesOf(inputs);
        for (int i = 0; i < inputs.Files.Count; i++)
        {
            InputFile file = inputs.Files[i];
            if (file.CriuName is { } name)
            {
                criu.Add((i, name, file.Folder));
            }
            else if (!file.IsImage && CriuDumpFile.Sniff(file) is { } kind)
            {
                criu.Add((i, new CriuFileName(kind, -1), file.Path));
            }
            else
            {
                images.Add(i);
            }
        }

        // CRIU files that are there but were not read: a skipped link, an unreadable file (an overridden archive
        // entry has its last copy among the files).
        var unread = inputs.Skipped.Where(s => s.Kind != SkipKind.ArchiveEntry).Select(s => s.Path).Concat(inputs.Unreadable.Select(u => u.Path))
            .Select(EntryNames.FolderAndName)
            .Where(p => CriuFileName.Parse(p.Name) is not null)
            .ToLookup(p => p.Folder, p => p.Name, StringComparer.Ordinal);
        var dumps = new List<PlannedDump>();
        foreach (var group in criu.GroupBy(c => c.Folder, StringComparer.Ordinal))
        {
            var files = group.Select(c => CriuDumpFile.Read(inputs.Files[c.Index], c.Name)).ToList();
            var dump = ProcessTrees.Attach(
                new CriuDump(group.Key, files) { Unread = new HashSet<string>(unread[group.Key], StringComparer.Ordinal) },
                [.. trees.Where(f => f.Folder == group.Key)]);
            dumps.Add(new PlannedDump(dump, group.All(c => inputs.Files[c.Index].Found), [.. group.Select(c => c.Index)]));
        }

        return new InputPlan(dumps, images);
    }
}
