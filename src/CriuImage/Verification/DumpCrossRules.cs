using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;

namespace CriuImage.Verification;

/// <summary>
/// The rules across the files of one dump, as CRIU's restore uses them (plugins/amdgpu/amdgpu_plugin.c,
/// amdgpu_plugin_drm.c, amdgpu_plugin_dmabuf.c): counts against lists, contents files against the BOs
/// they hold, gpu_ids against the KFD device entries, one GPU VA space per GPU, imports and their
/// exporters. Each finding is given to the file it names.
/// </summary>
internal static class DumpCrossRules
{
    private const uint DomainGtt = 0x2;
    private const uint DomainVram = 0x4;

    /// <summary>The cross rules of <paramref name="dump"/>; <paramref name="kfdVm"/> says which KFD BO the restore maps on which GPU (<see cref="VerifyOptions.KfdVm"/>).</summary>
    public static void Check(CriuDump dump, bool complete, Func<CriuKfd, Func<int, uint, bool>?>? kfdVm, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        // Only messages protobuf-c unpacks take part: of the others CRIU has no values (CRI304 says so).
        List<CriuDumpFile> kfds = [.. dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is { } k && Unpacks(k.Problems))];
        List<CriuDumpFile> nodes = [.. dump.OfKind(CriuFileKind.RenderNode).Where(f => f.RenderNode is { } n && Unpacks(n.Problems))];
        List<CriuDumpFile> dmabufs = [.. dump.OfKind(CriuFileKind.DmaBuf).Where(f => f.Dmabuf is { } d && Unpacks(d.Problems))];
        CheckRevisions(dump, report);
        KfdContentsPath path = KfdContentsPath.Of(dump);
        foreach (CriuDumpFile kfd in kfds)
        {
            CheckKfd(kfd, report);
            CheckKfdPages(kfd, dump, complete, report);
            if (path.Parallel)
            {
                CheckParallelRestoreOffsets(kfd, path, report);
            }
        }

        // A KFD pages file whose KFD image is unreadable or not given still has its own header to hold its length to.
        // In a whole dump without that image no restore reads the file (CRI320 says it is an orphan).
        foreach (CriuDumpFile pages in dump.OfKind(CriuFileKind.KfdPages).Where(p => p.Header is not null && !kfds.Any(k => k.Name.Id == p.Name.Id)
            && (!complete || dump.KfdImageUnread || dump.OfKind(CriuFileKind.KfdImage).Any(k => k.Name.Id == p.Name.Id))))
        {
            CheckLength(pages, pages.Header!.Value, "the header's byte count", read: true, report);
        }

        // An unreadable KFD image is reported on its own; what depends on it is not checked rather than blamed.
        bool kfdPresent = dump.OfKind(CriuFileKind.KfdImage).Any() || dump.KfdImageUnread;
        bool kfdComplete = kfdPresent && !dump.KfdImageUnread && kfds.Count == dump.OfKind(CriuFileKind.KfdImage).Count();
        var gpuIds = new HashSet<uint>(dump.Gpus.Select(g => g.GpuId));
        foreach (CriuDumpFile node in nodes)
        {
            CriuRenderNode n = node.RenderNode!.Message;
            if (kfdComplete && !gpuIds.Contains(n.GpuId))
            {
                report(node).Add(new Diagnostic(Descriptors.UnknownGpuId, $"the render node's gpu_id 0x{n.GpuId:x} is not among the KFD device entries ({Ids(gpuIds)}); restore finds no device for it") { ByteOffset = CriuHeader.Size });
            }
            else if (!kfdPresent && complete)
            {
                report(node).Add(new Diagnostic(Descriptors.RenderNodeWithoutKfd, $"the dump has no amdgpu-kfd-*.img, so CRIU's restore has no GPU map: maps_get_dest_gpu finds no target for gpu_id 0x{n.GpuId:x} and the render node's restore fails with -ENODEV (amdgpu_plugin.c:1875-1879)") { ByteOffset = CriuHeader.Size });
            }

            CheckDrmPages(node, dump, complete, report);
        }

        CheckVaSpaces(kfds, nodes, kfdVm, report);
        // A BO's exporter may sit in a KFD image or render node that could not be read: then it is unknown, not missing.
        CheckImports(kfds, nodes, dmabufs, complete && !Unknown(dump, CriuFileKind.KfdImage) && !Unknown(dump, CriuFileKind.RenderNode), report);
        if (complete)
        {
            CheckOrphans(dump, kfds, nodes, report);
        }
    }

    private static void CheckRevisions(CriuDump dump, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        CriuDumpFile? first = dump.Files.FirstOrDefault(f => f.Kfd is not null && f.Revisions != CriuRevisions.None)
            ?? dump.Files.FirstOrDefault(f => (f.RenderNode is not null || f.Dmabuf is not null) && f.Revisions != CriuRevisions.None);
        if (first is null)
        {
            return;
        }

        foreach (CriuDumpFile file in dump.Files)
        {
            bool message = file.Kfd is not null || file.RenderNode is not null || file.Dmabuf is not null;
            if (message && file != first && file.Revisions != CriuRevisions.None && (file.Revisions & first.Revisions) == CriuRevisions.None)
            {
                report(file).Add(new Diagnostic(Descriptors.CriuRevisionMismatch,
                    $"this file is of CRIU {CriuRevisionNames.Describe(file.Revisions)}, but {first.FileName} is of {CriuRevisionNames.Describe(first.Revisions)}: no CRIU restores both")
                { ByteOffset = CriuHeader.Size });
            }
        }
    }

    private static void CheckKfd(CriuDumpFile file, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        CriuKfd kfd = file.Kfd!.Message;
        if (kfd.NumOfBos != (ulong)kfd.BoEntries.Count)
        {
            report(file).Add(new Diagnostic(Descriptors.CriuCountMismatch, $"num_of_bos says {kfd.NumOfBos}, but the message holds {kfd.BoEntries.Count} bo_entries; restore loops to num_of_bos") { ByteOffset = kfd.NumOfBosOffset });
        }

        int gpus = kfd.DeviceEntries.Count(d => d.IsGpu);
        int cpus = kfd.DeviceEntries.Count - gpus;
        if (kfd.NumOfGpus != gpus || kfd.NumOfCpus != cpus)
        {
            report(file).Add(new Diagnostic(Descriptors.CriuCountMismatch, $"num_of_gpus {kfd.NumOfGpus} and num_of_cpus {kfd.NumOfCpus}, but the device entries are {gpus} GPU{(gpus == 1 ? "" : "s")} and {cpus} CPU{(cpus == 1 ? "" : "s")}; restore reads num_of_gpus + num_of_cpus entries") { ByteOffset = kfd.NumOfGpusOffset });
        }

        var ids = new HashSet<uint>();
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            ids.Add(gpu.GpuId);
            if (gpu.DrmRenderMinor is < 128 or > 255)
            {
                report(file).Add(new Diagnostic(Descriptors.RenderMinorOutOfRange, $"the device entry of gpu_id 0x{gpu.GpuId:x} has drm_render_minor {gpu.DrmRenderMinor}; render nodes have minors 128..255") { ByteOffset = gpu.ByteOffset });
            }
        }

        KfdBoList.ValueWalk bos = kfd.Bos.Values;
        while (bos.MoveNext())
        {
            KfdBo bo = bos.Current;
            int i = bos.Index;
            if (!ids.Contains(bo.GpuId))
            {
                report(file).Add(new Diagnostic(Descriptors.UnknownGpuId, $"KFD BO {i} (addr 0x{bo.Addr:x}) has gpu_id 0x{bo.GpuId:x}, which no device entry has ({Ids(ids)})") { ByteOffset = bo.ByteOffset });
            }
        }
    }

    private static void CheckKfdPages(CriuDumpFile kfdFile, CriuDump dump, bool complete, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        CriuKfd kfd = kfdFile.Kfd!.Message;
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            UInt128 sum = 0;
            foreach (KfdBo bo in kfd.Bos.Values)
            {
                if (bo.GpuId == gpu.GpuId && bo.HasContents)
                {
                    sum += bo.Size;
                }
            }

            CriuDumpFile? pages = dump.OfKind(CriuFileKind.KfdPages).FirstOrDefault(p => p.Name.Id == kfdFile.Name.Id && p.Name.GpuId == gpu.GpuId);
            if (pages is null)
            {
                if (complete && !dump.Unread.Contains(CriuFileName.KfdPages(kfdFile.Name.Id, gpu.GpuId)))
                {
                    report(kfdFile).Add(new Diagnostic(Descriptors.KfdPagesMissing, $"no {PagesName(kfdFile, gpu.GpuId)} for gpu_id 0x{gpu.GpuId:x}, whose VRAM and GTT BOs hold {sum} bytes; restore opens it for every GPU") { ByteOffset = gpu.ByteOffset });
                }

                continue;
            }

            if (pages.Header is not { } header)
            {
                continue;
            }

            if (header != sum)
            {
                report(pages).Add(new Diagnostic(Descriptors.KfdPagesHeaderMismatch, $"the header says {header} bytes, but the VRAM and GTT KFD BOs of gpu_id 0x{gpu.GpuId:x} hold {sum}; restore refuses the mismatch") { ByteOffset = 0 });
            }

            CheckLength(pages, header, "the header's byte count", read: true, report);
        }
    }

    /// <summary>
    /// criu-dev's parallel restore keeps one read offset across the GPUs of a KFD image while each GPU reads
    /// its own pages file (restore_bo_data, amdgpu_plugin.c:1654, :1717-1728; parallel_restore_bo_contents,
    /// :2266-2286): every GPU after one with VRAM or GTT contents reads from the wrong place. Only on the parallel
    /// path: certain when pstree.img says the root task has no children, else the path is unknown.
    /// </summary>
    private static void CheckParallelRestoreOffsets(CriuDumpFile kfdFile, KfdContentsPath path, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        if (!kfdFile.Revisions.HasFlag(CriuRevisions.CriuDev))
        {
            return;
        }

        CriuKfd kfd = kfdFile.Kfd!.Message;
        UInt128 offset = 0;
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Take((int)Math.Min((long)kfd.NumOfGpus + kfd.NumOfCpus, kfd.DeviceEntries.Count)).Where(d => d.IsGpu))
        {
            UInt128 own = 0;
            foreach (KfdBo bo in kfd.Bos.Values)
            {
                if (bo.GpuId == gpu.GpuId && bo.HasContents)
                {
                    own += bo.Size;
                }
            }

            if (own > 0 && offset > 0)
            {
                report(kfdFile).Add(new Diagnostic(Descriptors.ParallelRestoreOffset,
                    $"criu-dev's parallel restore reads the {own} bytes of gpu_id 0x{gpu.GpuId:x}'s VRAM and GTT BOs from {PagesName(kfdFile, gpu.GpuId)} starting {offset} bytes past its header, the sizes of the GPUs before it (one offset runs across all GPUs, restore_bo_data, amdgpu_plugin.c:1717-1728, while each GPU reads its own file, :2266-2286): the contents come back wrong or the restore stops with 'Failed to fill the BO using sDMA'. The serial restore, used when the restored root task has children (amdgpu_plugin.c:380-384), and CRIU v4.2 and older are not affected" + (path.Known ? $"; {path.Why}: criu-dev takes the parallel path" : ""))
                { ByteOffset = gpu.ByteOffset });
            }

            offset += own;
        }
    }

    private static bool Unpacks(IReadOnlyList<CriuProblem> problems) => !problems.Any(p => p.Kind == CriuProblemKind.Unpack);

    /// <summary>The file's length against the contents it should hold; <paramref name="read"/>: whether restore reads them (else a short file loses nothing restore uses).</summary>
    private static void CheckLength(CriuDumpFile file, UInt128 expected, string what, bool read, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        var held = (UInt128)file.ContentsBytes;
        if (held < expected)
        {
            report(file).Add(read
                ? new Diagnostic(Descriptors.ContentsShort, $"the file holds {held} bytes after its header, but {what} is {expected}: {expected - held} bytes of contents are lost") { ByteOffset = file.Input.Length }
                : new Diagnostic(Descriptors.ContentsShortUnread, $"the file holds {held} bytes after its header, but {what} is {expected}; restore does not read it (not VRAM or GTT, or unmapped), so nothing it restores is lost") { ByteOffset = file.Input.Length });
        }
        else if (held > expected)
        {
            report(file).Add(new Diagnostic(Descriptors.CriuStaleBytes, $"the file holds {held - expected} bytes past the {expected} of {what}; restore does not read them") { ByteOffset = (long)(CriuHeader.Size + expected) });
        }
    }

    private static void CheckDrmPages(CriuDumpFile nodeFile, CriuDump dump, bool complete, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        CriuMessageFile<CriuRenderNode> node = nodeFile.RenderNode!;
        if (node.Revisions == CriuRevisions.Released)
        {
            return;
        }

        CriuRenderNode n = node.Message;
        long id = PagesId(nodeFile);
        var byIndex = new Dictionary<uint, CriuDumpFile>();
        // Restore opens the name made of this id, the node's minor and the BO index (restore_bo_contents_drm).
        foreach (CriuDumpFile p in dump.OfKind(CriuFileKind.DrmPages).Where(p => p.Name.Id == id && p.Name.Minor == n.DrmRenderMinor))
        {
            byIndex.TryAdd(p.Name.Index!.Value, p);
        }

        RenderNodeBos bos = n.Entries;
        // A BO without its file is said only of a dump searched whole: otherwise only the BOs with one are read (again).
        IEnumerable<int> indexes = complete ? Enumerable.Range(0, bos.Count) : byIndex.Keys.Where(k => k < (uint)bos.Count).Select(k => (int)k).Order();
        foreach (int i in indexes)
        {
            DrmBo bo = bos.At(i);
            CriuDumpFile? pages = byIndex.Count == 0 ? null : byIndex.GetValueOrDefault((uint)i);

            // criu-dev restores the contents of mapped VRAM and GTT BOs; d5377d5d2 of every VRAM and GTT BO.
            bool vramOrGtt = (bo.PreferredDomains & (DomainVram | DomainGtt)) != 0;
            bool read = vramOrGtt && (bo.NumOfVms > 0 || n.NumOfObjects is not null);
            if (pages is null)
            {
                string name = CriuFileName.DrmPages(id, n.DrmRenderMinor, (ulong)i);
                if (complete && !dump.Unread.Contains(name))
                {
                    report(nodeFile).Add(new Diagnostic(read ? Descriptors.DrmPagesMissing : Descriptors.DrmPagesMissingUnread,
                        $"no {name} for BO {bo.Handle} (index {i}, {bo.Size} bytes); the dump writes one per BO{(read ? ", and restore reads it (VRAM or GTT, mapped)" : "; restore does not read it (not VRAM or GTT, or unmapped)")}")
                    { GemHandle = bo.Handle, ByteOffset = bo.ByteOffset });
                }

                continue;
            }

            // The drm-pages header is an uninitialised variable (amdgpu_plugin_drm.c): only the length tells.
            CheckLength(pages, bo.Size, $"the size of BO {i} (handle {bo.Handle})", read, report);
            if (vramOrGtt && !read && bo.Size > 0 && (ulong)pages.ContentsBytes >= bo.Size && bo.IsImport == 0)
            {
                report(nodeFile).Add(new Diagnostic(Descriptors.ContentsNotRestored,
                    $"BO {i} (handle {bo.Handle}, {bo.Size} bytes, {(((bo.PreferredDomains & DomainVram) != 0) ? "VRAM" : "GTT")}) has its contents in {pages.FileName}, but it has no mapping, and restore writes contents only into mapped BOs (restore_bo_contents_drm skips num_of_vms == 0, amdgpu_plugin_drm.c:204-208): it comes back without them")
                { GemHandle = bo.Handle, ByteOffset = bo.ByteOffset });
            }
        }
    }

    private static void CheckVaSpaces(List<CriuDumpFile> kfds, List<CriuDumpFile> nodes, Func<CriuKfd, Func<int, uint, bool>?>? kfdVm, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        foreach (CriuDumpFile kfdFile in kfds)
        {
            CriuKfd kfd = kfdFile.Kfd!.Message;
            Func<int, uint, bool>? mapped = kfdVm?.Invoke(kfd);
            // The GPUs of the BOs and of the devices: a BO may be mapped on a peer GPU that has no BO of its own.
            foreach (uint gpu in GpuIds(kfd.Bos).Union(kfd.DeviceEntries.Where(d => d.IsGpu).Select(d => d.GpuId)))
            {
                GpuVaSpaces.Overlaps(kfd, gpu, GpuVaSpaces.SharedNode(kfds.Count, nodes, gpu), mapped, o =>
                    report(kfdFile).Add(new Diagnostic(Descriptors.GpuVaOverlap,
                        $"{o.KfdName} ({GpuVaSpaces.GpuOf(kfd, o.KfdBo, gpu)}, 0x{o.Kfd.First:x}-0x{o.Kfd.Last:x}) overlaps {o.OtherName} (0x{o.Other.First:x}-0x{o.Other.Last:x}): one GPU has one VA space")
                    { ByteOffset = kfd.Bos.At(o.KfdBo).ByteOffset }));
            }
        }
    }

    /// <summary>Imports and dma-buf nodes against the BOs of the dump; an exporter missing is said only when the whole folder was searched (a file given alone has its exporter elsewhere).</summary>
    private static void CheckImports(List<CriuDumpFile> kfds, List<CriuDumpFile> nodes, List<CriuDumpFile> dmabufs, bool complete, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        // The sets of handles are built only when something is looked up in them (they hold every BO of the dump).
        if (dmabufs.Count == 0 && !nodes.Any(n => n.RenderNode!.Message.Entries.AnyImport()))
        {
            return;
        }

        var kfdHandles = new HashSet<uint>();
        foreach (CriuDumpFile kfd in kfds)
        {
            foreach (KfdBo bo in kfd.Kfd!.Message.Bos.Values)
            {
                if (bo.Handle is { } h && h != uint.MaxValue)
                {
                    kfdHandles.Add(h);
                }
            }
        }

        var exported = new HashSet<uint>(nodes.SelectMany(n => n.RenderNode!.Message.Bos).Where(b => b.IsImport == 0).Select(b => b.Handle));
        HashSet<uint> allHandles = dmabufs.Count == 0 ? [] : [.. exported.Concat(nodes.SelectMany(n => n.RenderNode!.Message.Bos).Select(b => b.Handle)).Concat(kfdHandles)];
        foreach (CriuDumpFile nodeFile in nodes)
        {
            foreach (CriuBoEntry bo in nodeFile.RenderNode!.Message.Bos.Where(b => b.IsImport != 0))
            {
                if (kfdHandles.Contains(bo.Handle))
                {
                    report(nodeFile).Add(new Diagnostic(Descriptors.IsImportOverReported,
                        $"BO {bo.Handle} is marked is_import because a KFD BO was recorded with the same handle number (amdgpu_plugin_drm.c: shared_bo_has_exporter, keyed by handle alone); restore waits for that BO's dma-buf")
                    { GemHandle = bo.Handle, ByteOffset = bo.ByteOffset });
                }
                else if (complete && !exported.Contains(bo.Handle))
                {
                    report(nodeFile).Add(new Diagnostic(Descriptors.OrphanImport,
                        $"BO {bo.Handle} is imported, but no BO of the dump exports handle {bo.Handle}: restore waits for an exporter's dma-buf that never comes")
                    { GemHandle = bo.Handle, ByteOffset = bo.ByteOffset });
                }
            }
        }

        foreach (CriuDumpFile file in dmabufs)
        {
            uint handle = file.Dmabuf!.Message.GemHandle;
            if (complete && kfds.Count + nodes.Count > 0 && !allHandles.Contains(handle))
            {
                report(file).Add(new Diagnostic(Descriptors.DmabufUnknownHandle, $"the dma-buf node names GEM handle {handle}, which no KFD or render-node BO of the dump has; restore finds no BO to export") { ByteOffset = CriuHeader.Size });
            }
        }
    }

    private static void CheckOrphans(CriuDump dump, List<CriuDumpFile> kfds, List<CriuDumpFile> nodes, Func<CriuDumpFile, IDiagnosticSink> report)
    {
        foreach (CriuDumpFile pages in dump.OfKind(CriuFileKind.KfdPages))
        {
            CriuDumpFile? kfd = kfds.FirstOrDefault(k => k.Name.Id == pages.Name.Id);
            if (kfd is null && (dump.OfKind(CriuFileKind.KfdImage).Any(k => k.Name.Id == pages.Name.Id) || Unknown(dump, CriuFileKind.KfdImage)))
            {
                continue;
            }

            if (kfd is null)
            {
                report(pages).Add(new Diagnostic(Descriptors.OrphanCriuFile, $"no amdgpu-kfd-{pages.Name.Id}.img in the dump holds the BOs of this pages file"));
            }
            else if (!kfd.Kfd!.Message.DeviceEntries.Any(d => d.IsGpu && d.GpuId == pages.Name.GpuId))
            {
                report(pages).Add(new Diagnostic(Descriptors.OrphanCriuFile, $"gpu_id 0x{pages.Name.GpuId:x} of this pages file is not a GPU of {kfd.FileName}"));
            }
        }

        foreach (CriuDumpFile pages in dump.OfKind(CriuFileKind.DrmPages))
        {
            CriuDumpFile? node = nodes.FirstOrDefault(n => PagesId(n) == pages.Name.Id && n.RenderNode!.Message.DrmRenderMinor == pages.Name.Minor)
                ?? nodes.FirstOrDefault(n => PagesId(n) == pages.Name.Id);
            if (node is null && Unknown(dump, CriuFileKind.RenderNode))
            {
                continue;
            }

            if (node is null)
            {
                report(pages).Add(new Diagnostic(Descriptors.OrphanCriuFile, $"no render node of the dump has id {pages.Name.Id} (criu-dev: amdgpu-renderD-{pages.Name.Id}.img; d5377d5d2: pid {pages.Name.Id}) to hold the BO of this drm-pages file"));
            }
            else if (pages.Name.Index >= (uint)node.RenderNode!.Message.Bos.Count || pages.Name.Minor != node.RenderNode.Message.DrmRenderMinor)
            {
                report(pages).Add(new Diagnostic(Descriptors.OrphanCriuFile,
                    $"{node.FileName} has {node.RenderNode.Message.Bos.Count} BOs on minor {node.RenderNode.Message.DrmRenderMinor}: none at index {pages.Name.Index} on minor {pages.Name.Minor}"));
            }
        }
    }

    /// <summary>The KFD pages file of <paramref name="gpuId"/> beside <paramref name="kfdFile"/>; for a KFD image read without its name (from standard input), the id is not known and is left as &lt;id&gt;.</summary>
    private static string PagesName(CriuDumpFile kfdFile, uint gpuId) =>
        (kfdFile.Name.Id >= 0 ? "" : "its ") + CriuFileName.KfdPages(kfdFile.Name.Id, gpuId);

    /// <summary>True when a file of <paramref name="kind"/> in the dump could not be read (damaged, or unread: a permission, a skipped link), so what it holds is unknown.</summary>
    private static bool Unknown(CriuDump dump, CriuFileKind kind) =>
        dump.OfKind(kind).Any(f => f.Damage != CriuDamage.None) || dump.Unread.Any(n => CriuFileName.Parse(n)?.Kind == kind);

    /// <summary>The number drm-pages file names carry for a render node: its file id (criu-dev), or its pid (d5377d5d2, in the field criu-dev calls id).</summary>
    private static long PagesId(CriuDumpFile node) => node.RenderNode!.Message.NumOfObjects is not null ? node.RenderNode.Message.Id : node.Name.Id;


    /// <summary>The gpu_ids of the BOs, each once, in the order they first come (a dump has a few GPUs and a million BOs: no set).</summary>
    private static List<uint> GpuIds(KfdBoList bos)
    {
        var ids = new List<uint>();
        uint last = 0;
        foreach (KfdBo bo in bos.Values)
        {
            if ((ids.Count == 0 || bo.GpuId != last) && !ids.Contains(bo.GpuId))
            {
                ids.Add(bo.GpuId);
            }

            last = bo.GpuId;
        }

        return ids;
    }

    private static string Ids(IEnumerable<uint> ids)
    {
        string list = string.Join(", ", ids.Order().Select(i => $"0x{i:x}"));
        return list.Length == 0 ? "none" : list;
    }
}
