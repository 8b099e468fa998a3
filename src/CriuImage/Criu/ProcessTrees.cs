using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>Gives a dump the process tree of its folder: <c>pstree.img</c>, with each task's state from its <c>core-PID.img</c>, and which task holds which amdgpu file (<see cref="TaskFiles"/>).</summary>
internal static class ProcessTrees
{
    /// <summary><paramref name="dump"/> with the tree read from <paramref name="files"/> (its folder's tree files), or as it was when there is none.</summary>
    public static CriuDump Attach(CriuDump dump, IReadOnlyList<InputFile> files)
    {
        if (files.FirstOrDefault(f => f.Name == CriuProcessTree.FileName) is not { Content: { } tree })
        {
            return dump;
        }

        var states = new Dictionary<uint, uint>();
        foreach (InputFile core in files)
        {
            if (core.Name is { } name && CriuProcessTree.CorePid(name) is { } pid && core.Content is { } content)
            {
                try
                {
                    if (CriuProcessTree.ReadTaskState(content) is { } state)
                    {
                        states[pid] = state;
                    }
                }
                catch (ImageFormatException)
                {
                    // A core image that does not read leaves that task's state unknown; verify does not judge core images.
                }
            }
        }

        try
        {
            CriuProcessTree read = CriuProcessTree.Read(tree, states);
            TaskFiles? held = TaskFiles.Of(dump, read, files);
            return dump with { ProcessTree = read, TaskFiles = held, ProcessFailure = held?.Failure };
        }
        catch (ImageFormatException e)
        {
            // read_pstree_image stops CRIU's restore before the plugin's init (cr-restore.c:2396, pstree.c:647-660).
            var failure = new ProcessImageFailure(Descriptors.ProcessTreeUnreadable, ProcessImageStage.Tree, $"{CriuProcessTree.FileName} {e.Message}: read_pstree_image fails and CRIU stops before any task exists", "criu/pstree.c:550-660@2cf8f13, criu/cr-restore.c:2396@2cf8f13") { File = TaskFiles.FirstFile(dump) };
            return dump with { ProcessTreeDamage = e, ProcessFailure = failure };
        }
    }
}
