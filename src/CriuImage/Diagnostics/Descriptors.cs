namespace CriuImage.Diagnostics;

/// <summary>
/// Every diagnostic code <c>verify</c> reports, one file per family: Descriptors.File.cs (CRI0xx), .Bo.cs (CRI1xx),
/// .Vm.cs (CRI2xx), this file (CRIU dumps, CRI3xx), .Host.cs (CRI4xx). Ids are stable: a retired one stays as a
/// comment. A code of the restore family carries the kernel check that refuses its call (<see cref="DiagnosticDescriptor.Check"/>).
/// </summary>
public static partial class Descriptors
{
    // CRIU amdgpu dumps (CRI3xx).
    /// <summary>CRI301: A CRIU amdgpu file shorter than its 8-byte header.</summary>
    public static readonly DiagnosticDescriptor CriuFileTooShort = new("CRI301", "CriuFileTooShort", "A CRIU amdgpu file shorter than its 8-byte header", Severity.Error) { Source = "open_img_file" };
    /// <summary>CRI302: A CRIU message cut short of the length its header gives.</summary>
    public static readonly DiagnosticDescriptor CriuMessageTruncated = new("CRI302", "CriuMessageTruncated", "A CRIU message cut short of the length its header gives", Severity.Error) { Source = "amdgpu_plugin_restore_file" };
    /// <summary>CRI303: Bytes after a CRIU file's message or contents, which CRIU ignores.</summary>
    public static readonly DiagnosticDescriptor CriuStaleBytes = new("CRI303", "CriuStaleBytes", "Bytes after a CRIU file's message or contents, which CRIU ignores", Severity.Warning) { Source = "open_img_file" };
    /// <summary>CRI304: A CRIU message protobuf-c cannot unpack.</summary>
    public static readonly DiagnosticDescriptor CriuUnpackFails = new("CRI304", "CriuUnpackFails", "A CRIU message protobuf-c cannot unpack", Severity.Error) { Source = "amdgpu_plugin.c:1150" };
    /// <summary>CRI305: A uint32 field above 32 bits, which CRIU truncates.</summary>
    public static readonly DiagnosticDescriptor CriuUint32Truncated = new("CRI305", "CriuUint32Truncated", "A uint32 field above 32 bits, which CRIU truncates", Severity.Error) { Source = "parse_uint32" };
    /// <summary>CRI306: A message no CRIU revision writes, or files of one dump from different revisions.</summary>
    public static readonly DiagnosticDescriptor CriuRevisionMismatch = new("CRI306", "CriuRevisionMismatch", "A message no CRIU revision writes, or files of one dump from different revisions", Severity.Error) { Source = "plugins/amdgpu/criu-amdgpu.proto" };
    /// <summary>CRI307: A recorded count that disagrees with its list.</summary>
    public static readonly DiagnosticDescriptor CriuCountMismatch = new("CRI307", "CriuCountMismatch", "A recorded count that disagrees with its list", Severity.Error) { Source = "amdgpu_plugin_restore_file" };
    /// <summary>CRI308: No drm-pages file for a render-node BO whose contents restore reads.</summary>
    public static readonly DiagnosticDescriptor DrmPagesMissing = new("CRI308", "DrmPagesMissing", "No drm-pages file for a render-node BO whose contents restore reads", Severity.Error) { Source = "restore_bo_contents_drm" };
    /// <summary>CRI309: No drm-pages file for a render-node BO whose contents restore does not read.</summary>
    public static readonly DiagnosticDescriptor DrmPagesMissingUnread = new("CRI309", "DrmPagesMissingUnread", "No drm-pages file for a render-node BO whose contents restore does not read", Severity.Warning) { Source = "amdgpu_plugin_drm_dump_file" };
    /// <summary>CRI310: A contents file shorter than the contents it should hold.</summary>
    public static readonly DiagnosticDescriptor ContentsShort = new("CRI310", "ContentsShort", "A contents file shorter than the contents it should hold", Severity.Error) { Source = "amdgpu_plugin_drm.c:394" };
    /// <summary>CRI311: A KFD pages header that is not the sum of its GPU's VRAM and GTT KFD BO sizes.</summary>
    public static readonly DiagnosticDescriptor KfdPagesHeaderMismatch = new("CRI311", "KfdPagesHeaderMismatch", "A KFD pages header that is not the sum of its GPU's VRAM and GTT KFD BO sizes", Severity.Error) { Source = "restore_bo_contents" };
    /// <summary>CRI312: No KFD pages file for a GPU of the KFD image.</summary>
    public static readonly DiagnosticDescriptor KfdPagesMissing = new("CRI312", "KfdPagesMissing", "No KFD pages file for a GPU of the KFD image", Severity.Error) { Source = "restore_bo_contents" };
    /// <summary>CRI313: A gpu_id that no KFD device entry has.</summary>
    public static readonly DiagnosticDescriptor UnknownGpuId = new("CRI313", "UnknownGpuId", "A gpu_id that no KFD device entry has", Severity.Error) { Source = "maps_get_dest_gpu" };
    /// <summary>CRI314: KFD BOs of one GPU overlapping each other or that GPU's render-node mappings.</summary>
    public static readonly DiagnosticDescriptor GpuVaOverlap = new("CRI314", "GpuVaOverlap", "KFD BOs of one GPU overlapping each other or that GPU's render-node mappings", Severity.Error) { Source = "amdgpu_driver_open_kms -> amdgpu_vm_init", Check = new("-EINVAL", "amdgpu_vm_bo_map: amdgpu_vm_it_iter_first finds the KFD BO that AMDKFD_IOC_CRIU_OP RESTORE mapped into the same VM") };
    /// <summary>CRI315: An imported render-node BO without an exporter in the dump.</summary>
    public static readonly DiagnosticDescriptor OrphanImport = new("CRI315", "OrphanImport", "An imported render-node BO without an exporter in the dump", Severity.Error) { Source = "amdgpu_plugin_drm_restore_file" };
    /// <summary>CRI316: A dma-buf node naming a handle no BO has.</summary>
    public static readonly DiagnosticDescriptor DmabufUnknownHandle = new("CRI316", "DmabufUnknownHandle", "A dma-buf node naming a handle no BO has", Severity.Error) { Source = "amdgpu_plugin_dmabuf_restore" };
    /// <summary>CRI317: A render minor outside 128..255.</summary>
    public static readonly DiagnosticDescriptor RenderMinorOutOfRange = new("CRI317", "RenderMinorOutOfRange", "A render minor outside 128..255", Severity.Error) { Source = "DRM_MINOR_RENDER" };
    /// <summary>CRI318: A render-node BO's addr other than its last mapping's address.</summary>
    public static readonly DiagnosticDescriptor BoAddrNotLastMapping = new("CRI318", "BoAddrNotLastMapping", "A render-node BO's addr other than its last mapping's address", Severity.Error) { Source = "amdgpu_plugin_drm_dump_file" };
    /// <summary>CRI319: is_import set because a KFD BO has the same handle number.</summary>
    public static readonly DiagnosticDescriptor IsImportOverReported = new("CRI319", "IsImportOverReported", "is_import set because a KFD BO has the same handle number", Severity.Note) { Source = "shared_bo_has_exporter" };
    /// <summary>CRI320: A CRIU contents or node file that belongs to nothing in the dump.</summary>
    public static readonly DiagnosticDescriptor OrphanCriuFile = new("CRI320", "OrphanCriuFile", "A CRIU contents or node file that belongs to nothing in the dump", Severity.Warning) { Source = "restore_bo_contents, restore_bo_contents_drm" };
    /// <summary>CRI321: A render node in a dump with no KFD image: restore has no GPU map for it.</summary>
    public static readonly DiagnosticDescriptor RenderNodeWithoutKfd = new("CRI321", "RenderNodeWithoutKfd", "A render node in a dump with no KFD image: restore has no GPU map for it", Severity.Error) { Source = "amdgpu_plugin.c:1992" };
    /// <summary>CRI322: A drm-pages file shorter than its BO, whose contents restore does not read.</summary>
    public static readonly DiagnosticDescriptor ContentsShortUnread = new("CRI322", "ContentsShortUnread", "A drm-pages file shorter than its BO, whose contents restore does not read", Severity.Warning) { Source = "amdgpu_plugin_drm.c:204-208" };
    /// <summary>CRI323: Contents saved for an unmapped render-node BO, which restore does not write back.</summary>
    public static readonly DiagnosticDescriptor ContentsNotRestored = new("CRI323", "ContentsNotRestored", "Contents saved for an unmapped render-node BO, which restore does not write back", Severity.Warning) { Source = "amdgpu_plugin_drm.c:376-394" };
    /// <summary>CRI324: A GPU whose KFD contents criu-dev's parallel restore reads at the wrong offset.</summary>
    public static readonly DiagnosticDescriptor ParallelRestoreOffset = new("CRI324", "ParallelRestoreOffset", "A GPU whose KFD contents criu-dev's parallel restore reads at the wrong offset", Severity.Warning) { Source = "amdgpu_plugin.c:380-384" };
    /// <summary>CRI325: A file criu-dev's amdgpu_restore_init cannot unpack: it dereferences NULL.</summary>
    public static readonly DiagnosticDescriptor CriuInitCrashes = new("CRI325", "CriuInitCrashes", "A file criu-dev's amdgpu_restore_init cannot unpack: it dereferences NULL", Severity.Error) { Source = "amdgpu_plugin.c:1150-1151" };
    /// <summary>CRI326: An import whose handle number several BOs of the dump export: CRIU takes the first it stored.</summary>
    public static readonly DiagnosticDescriptor ImportByNumber = new("CRI326", "ImportByNumber", "An import whose handle number several BOs of the dump export: CRIU takes the first it stored", Severity.Error) { Source = "amdgpu_plugin.c:1078-1099" };
    /// <summary>CRI327: An imported BO's contents file written into its exporter's BO.</summary>
    public static readonly DiagnosticDescriptor ImportContentsIntoExporter = new("CRI327", "ImportContentsIntoExporter", "An imported BO's contents file written into its exporter's BO", Severity.Error) { Source = "amdgpu_plugin_drm.c:203-215" };
    /// <summary>CRI328: A render node restored over two passes: CRIU imports descriptor 0 and closes it.</summary>
    public static readonly DiagnosticDescriptor RetryClosesStdin = new("CRI328", "RetryClosesStdin", "A render node restored over two passes: CRIU imports descriptor 0 and closes it", Severity.Error) { Source = "amdgpu_plugin_drm.c:227-230" };
    /// <summary>CRI329: A KFD image without VRAM or GTT BOs on criu-dev's parallel restore: its command reads as the quit command.</summary>
    public static readonly DiagnosticDescriptor ParallelQuitCommand = new("CRI329", "ParallelQuitCommand", "A KFD image without VRAM or GTT BOs on criu-dev's parallel restore: its command reads as the quit command", Severity.Error) { Source = "amdgpu_plugin.c:380-388" };
    /// <summary>CRI330: The CRIU that restores cannot restore part of the dump's GPU state.</summary>
    public static readonly DiagnosticDescriptor CriuVersionCannotRestore = new("CRI330", "CriuVersionCannotRestore", "The CRIU that restores cannot restore part of the dump's GPU state", Severity.Error) { Source = "amdgpu_plugin.c:1582-1600" };
    /// <summary>CRI331: A checkpoint image without the annotation the runtime that would restore it looks for.</summary>
    public static readonly DiagnosticDescriptor CheckpointAnnotationMissing = new("CRI331", "CheckpointAnnotationMissing", "A checkpoint image without the annotation the runtime that would restore it looks for", Severity.Warning) { Source = "server/container_restore.go:44" };
    /// <summary>CRI332: A render node that may be restored over two passes, by the order CRIU restores the dump's files: CRIU then closes descriptor 0.</summary>
    public static readonly DiagnosticDescriptor RetryMayCloseStdin = new("CRI332", "RetryMayCloseStdin", "A render node that may be restored over two passes, by the order CRIU restores the dump's files: CRIU then closes descriptor 0", Severity.Warning) { Source = "criu/files.c:1203-1244" };
    /// <summary>CRI333: A render node CRIU restores before any KFD image of its task: there is no GPU map yet, -ENODEV.</summary>
    public static readonly DiagnosticDescriptor RenderNodeBeforeKfd = new("CRI333", "RenderNodeBeforeKfd", "A render node CRIU restores before any KFD image of its task: there is no GPU map yet, -ENODEV", Severity.Error) { Source = "amdgpu_plugin.c:1875-1879" };
    /// <summary>CRI334: A dump of several tasks with an import: a task whose import another task exports may sleep for ever, by timing.</summary>
    public static readonly DiagnosticDescriptor CrossTaskImportWait = new("CRI334", "CrossTaskImportWait", "A dump of several tasks with an import: a task whose import another task exports may sleep for ever, by timing", Severity.Warning) { Source = "criu/files.c:1238-1243" };
    /// <summary>CRI340: KFD private data the target kernel's CRIU_OP RESTORE refuses.</summary>
    public static readonly DiagnosticDescriptor KfdPrivateDataRefused = new("CRI340", "KfdPrivateDataRefused", "KFD private data the target kernel's CRIU_OP RESTORE refuses", Severity.Error) { Source = "kfd_chardev.c:2576-2630" };
    /// <summary>CRI341: KFD private data whose restore depends on a fact the target kernel's release does not say.</summary>
    public static readonly DiagnosticDescriptor KfdTargetFactUnknown = new("CRI341", "KfdTargetFactUnknown", "KFD private data whose restore depends on a fact the target kernel's release does not say", Severity.Warning) { Source = "restore-facts.json kernel.kfd_release_facts" };
    /// <summary>CRI342: A KFD queue the target kernel restores as another queue type than it was checkpointed as.</summary>
    public static readonly DiagnosticDescriptor KfdQueueRestoredAs = new("CRI342", "KfdQueueRestoredAs", "A KFD queue the target kernel restores as another queue type than it was checkpointed as", Severity.Error) { Source = "kfd_device_queue_manager.c:1821-1856" };
    /// <summary>CRI350: A pstree.img or ids-PID.img CRIU cannot read: the restore stops before any task exists.</summary>
    public static readonly DiagnosticDescriptor ProcessTreeUnreadable = new("CRI350", "ProcessTreeUnreadable", "A pstree.img or ids-PID.img CRIU cannot read: the restore stops before any task exists", Severity.Error) { Source = "criu/pstree.c:516-530" };
    /// <summary>CRI351: A task's core-PID.img CRIU cannot restore it from: the restore stops before any file is opened.</summary>
    public static readonly DiagnosticDescriptor TaskCoreUnusable = new("CRI351", "TaskCoreUnusable", "A task's core-PID.img CRIU cannot restore it from: the restore stops before any file is opened", Severity.Error) { Source = "criu/cr-restore.c:503-518" };
    /// <summary>CRI352: A descriptor CRIU cannot collect (its file id or type not in files.img, or its fdinfo image damaged): the restore stops before any file is opened.</summary>
    public static readonly DiagnosticDescriptor TaskFdUncollectable = new("CRI352", "TaskFdUncollectable", "A descriptor CRIU cannot collect (its file id or type not in files.img, or its fdinfo image damaged): the restore stops before any file is opened", Severity.Error) { Source = "criu/files.c:895-935" };
    /// <summary>CRI353: An amdgpu file no restored descriptor names: CRIU never hands it to the plugin and its GPU state is not restored.</summary>
    public static readonly DiagnosticDescriptor FileNotRestored = new("CRI353", "FileNotRestored", "An amdgpu file no restored descriptor names: CRIU never hands it to the plugin and its GPU state is not restored", Severity.Error) { Source = "criu/files.c:895-935" };
    /// <summary>CRI354: A thread's core-TID.img CRIU cannot restore it from: the task fails after its files are restored, before the resume hook.</summary>
    public static readonly DiagnosticDescriptor ThreadCoreUnusable = new("CRI354", "ThreadCoreUnusable", "A thread's core-TID.img CRIU cannot restore it from: the task fails after its files are restored, before the resume hook", Severity.Error) { Source = "criu/cr-restore.c:520-553" };
    /// <summary>CRI355: An external file no amdgpu image names (another plugin's): if amdgpu's hook is asked first, it returns -EINVAL and the restore fails.</summary>
    public static readonly DiagnosticDescriptor OtherPluginsFile = new("CRI355", "OtherPluginsFile", "An external file no amdgpu image names (another plugin's): if amdgpu's hook is asked first, it returns -EINVAL and the restore fails", Severity.Warning) { Source = "criu/files-ext.c:52-56" };
    /// <summary>CRI358: A dump of several tasks some order of whose restores never ends, fails or comes back different, by timing.</summary>
    public static readonly DiagnosticDescriptor TaskOrderEndsOtherwise = new("CRI358", "TaskOrderEndsOtherwise", "A dump of several tasks some order of whose restores never ends, fails or comes back different, by timing", Severity.Error) { Source = "criu/files.c:1203-1244" };

    /// <summary>All codes, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All => Listing.All;

    /// <summary>Read once every family's fields are set: the order of static initializers across the files of a partial class is not defined.</summary>
    private static class Listing
    {
        public static readonly DiagnosticDescriptor[] All = typeof(Descriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ToArray();
    }
}
