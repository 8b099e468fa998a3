using System.Globalization;
using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// The external files of a dump that no amdgpu image names: another plugin's (CRI355). CRIU restores an EXT file
/// through <c>run_plugins(RESTORE_EXT_FILE)</c> (criu/files-ext.c:52-56 at 2cf8f13, :51-55 at v4.2), which asks the
/// plugins' hooks in the order CRIU loaded the plugins (readdir of its plugin folder, criu/plugin.c:240, each hook
/// chained at the tail, :168; :238, :166 at v4.2) and stops at the first answer that is not -ENOTSUP
/// (criu/include/plugin.h:29-45). amdgpu's hook never says -ENOTSUP while the plugin is enabled: with no
/// amdgpu-kfd, renderD or dmabuf image of the id it returns -EINVAL (amdgpu_plugin.c:1824-1846 and
/// amdgpu_plugin_dmabuf.c:108-113 at 2cf8f13; amdgpu_plugin.c:1572-1587 at v4.2). Whether the file's own plugin is
/// asked first depends on the target host's plugin folder, which a dump does not say: a warning.
/// </summary>
internal static class OtherPluginFiles
{
    /// <summary>Each other plugin's file: the amdgpu file it is said on, CRIU's lines, and the message.</summary>
    public static IEnumerable<(string File, string Cause, string Message)> Of(CriuDump dump, CriuVersion criu)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(criu);
        if (dump.TaskFiles is not { } tasks)
        {
            yield break;
        }

        string cause = criu.Dmabuf
            ? "criu/files-ext.c:52-56@2cf8f13, criu/plugin.c:168,240@2cf8f13, plugins/amdgpu/amdgpu_plugin.c:1824-1846@2cf8f13, plugins/amdgpu/amdgpu_plugin_dmabuf.c:108-113@2cf8f13"
            : "criu/files-ext.c:51-55@v4.2, criu/plugin.c:166,238@v4.2, plugins/amdgpu/amdgpu_plugin.c:1572-1587@v4.2";
        foreach ((TaskFd opener, long at) in tasks.OtherExt)
        {
            List<(uint Fd, CriuDumpFile File)> own = [.. dump.Files
                .Where(f => f.Name.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf)
                .Select(f => (Opener: tasks.Opener(f.Name.Id), File: f))
                .Where(o => o.Opener is { } t && t.Pid == opener.Pid)
                .Select(o => (o.Opener!.Value.Fd, o.File))
                .OrderBy(o => o.Fd)];
            CriuDumpFile? next = own.FirstOrDefault(o => o.Fd > opener.Fd).File ?? own.LastOrDefault().File;
            string said = next is null ? TaskFiles.FirstFile(dump) ?? "" : next.FileName;
            string after = own.Any(o => o.Fd > opener.Fd) ? $", before {said} and the task's later files" : "";
            yield return (said, cause, string.Create(CultureInfo.InvariantCulture,
                $"{opener} names external file {opener.FileId} (files.img byte {at}), which no amdgpu image names: another plugin's file. CRIU asks the plugins' RESTORE_EXT_FILE hooks in the order it loaded them (readdir of its plugin folder) and stops at the first answer that is not -ENOTSUP; amdgpu's finds no image of id {opener.FileId} and returns -EINVAL, so where its hook is asked first, or the file's own plugin is not installed, CRIU fails with 'Unable to restore 0x{opener.FileId:x}' at this descriptor{after}; only where the file's plugin comes first does the restore go on"));
        }
    }
}
