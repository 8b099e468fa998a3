namespace CriuImage.Diagnostics;

/// <summary>Every diagnostic code <c>verify</c> reports. Ids are stable: a retired one stays here as a comment.</summary>
public static class Descriptors
{
    // The file itself (CRI0xx).
    /// <summary>CRI001: Not a criu-image file.</summary>
    public static readonly DiagnosticDescriptor NotAnImage = new("CRI001", "NotAnImage", "Not a criu-image file", Severity.Error);
    /// <summary>CRI002: Unsupported format major version.</summary>
    public static readonly DiagnosticDescriptor UnsupportedVersion = new("CRI002", "UnsupportedVersion", "Unsupported format major version", Severity.Error);
    /// <summary>CRI003: Unknown incompatible feature bits.</summary>
    public static readonly DiagnosticDescriptor IncompatibleFeatures = new("CRI003", "IncompatibleFeatures", "Unknown incompatible feature bits", Severity.Error);
    /// <summary>CRI004: Unknown ro_compat feature bits.</summary>
    public static readonly DiagnosticDescriptor UnknownRoCompatFeatures = new("CRI004", "UnknownRoCompatFeatures", "Unknown ro_compat feature bits", Severity.Warning);
    /// <summary>CRI005: Preamble CRC32C mismatch.</summary>
    public static readonly DiagnosticDescriptor PreambleChecksum = new("CRI005", "PreambleChecksum", "Preamble CRC32C mismatch", Severity.Error);
    /// <summary>CRI006: Damaged frame header.</summary>
    public static readonly DiagnosticDescriptor FrameHeaderDamaged = new("CRI006", "FrameHeaderDamaged", "Damaged frame header", Severity.Error);
    /// <summary>CRI007: Frame payload CRC32C mismatch.</summary>
    public static readonly DiagnosticDescriptor PayloadChecksum = new("CRI007", "PayloadChecksum", "Frame payload CRC32C mismatch", Severity.Error);
    /// <summary>CRI008: Frames missing, repeated or out of order.</summary>
    public static readonly DiagnosticDescriptor FrameSequence = new("CRI008", "FrameSequence", "Frames missing, repeated or out of order", Severity.Error);
    /// <summary>CRI009: Unknown critical frame kind.</summary>
    public static readonly DiagnosticDescriptor UnknownFrameKind = new("CRI009", "UnknownFrameKind", "Unknown critical frame kind", Severity.Error);
    /// <summary>CRI010: The header frame cannot be read.</summary>
    public static readonly DiagnosticDescriptor HeaderUnreadable = new("CRI010", "HeaderUnreadable", "The header frame cannot be read", Severity.Error);
    /// <summary>CRI011: Malformed record.</summary>
    public static readonly DiagnosticDescriptor MalformedRecord = new("CRI011", "MalformedRecord", "Malformed record", Severity.Error);
    /// <summary>CRI012: VM records that belong to no BO, or missing ones.</summary>
    public static readonly DiagnosticDescriptor RecordSequence = new("CRI012", "RecordSequence", "VM records that belong to no BO, or missing ones", Severity.Error);
    /// <summary>CRI013: The image is truncated.</summary>
    public static readonly DiagnosticDescriptor Truncated = new("CRI013", "Truncated", "The image is truncated", Severity.Error);
    /// <summary>CRI014: The trailer disagrees with the frames.</summary>
    public static readonly DiagnosticDescriptor TrailerMismatch = new("CRI014", "TrailerMismatch", "The trailer disagrees with the frames", Severity.Error);
    /// <summary>CRI015: Bytes after the trailer.</summary>
    public static readonly DiagnosticDescriptor TrailingBytes = new("CRI015", "TrailingBytes", "Bytes after the trailer", Severity.Error);
    /// <summary>CRI016: A format 1.0 image, whose digest cannot detect frames removed, repeated, reordered or replaced.</summary>
    public static readonly DiagnosticDescriptor WeakDigest = new("CRI016", "WeakDigest", "A format 1.0 image, whose digest cannot detect frames removed, repeated, reordered or replaced", Severity.Note);

    // BO buckets (CRI1xx).
    /// <summary>CRI101: BO of size zero.</summary>
    public static readonly DiagnosticDescriptor BoSizeZero = new("CRI101", "BoSizeZero", "BO of size zero", Severity.Error);
    /// <summary>CRI102: BO size not a multiple of the GPU page size.</summary>
    public static readonly DiagnosticDescriptor BoSizeNotPageMultiple = new("CRI102", "BoSizeNotPageMultiple", "BO size not a multiple of the GPU page size", Severity.Error);
    /// <summary>CRI103: mmap offset not page aligned.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetMisaligned = new("CRI103", "MmapOffsetMisaligned", "mmap offset not page aligned", Severity.Error);
    /// <summary>CRI104: mmap offset ranges of two BOs collide.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetCollision = new("CRI104", "MmapOffsetCollision", "mmap offset ranges of two BOs collide", Severity.Error);
    /// <summary>CRI105: Duplicate GEM handle.</summary>
    public static readonly DiagnosticDescriptor DuplicateGemHandle = new("CRI105", "DuplicateGemHandle", "Duplicate GEM handle", Severity.Error);
    /// <summary>CRI106: alloc_flags bits outside the uapi set.</summary>
    public static readonly DiagnosticDescriptor UnknownAllocFlags = new("CRI106", "UnknownAllocFlags", "alloc_flags bits outside the uapi set", Severity.Error);
    /// <summary>CRI107: alloc_flags bits this revision's kernel never reports.</summary>
    public static readonly DiagnosticDescriptor AllocFlagsNeverReported = new("CRI107", "AllocFlagsNeverReported", "alloc_flags bits this revision's kernel never reports", Severity.Error);
    /// <summary>CRI108: CPU_ACCESS_REQUIRED together with NO_CPU_ACCESS.</summary>
    public static readonly DiagnosticDescriptor ContradictoryCpuAccess = new("CRI108", "ContradictoryCpuAccess", "CPU_ACCESS_REQUIRED together with NO_CPU_ACCESS", Severity.Warning);
    /// <summary>CRI109: preferred_domains bits outside the uapi set.</summary>
    public static readonly DiagnosticDescriptor UnknownDomains = new("CRI109", "UnknownDomains", "preferred_domains bits outside the uapi set", Severity.Error);
    /// <summary>CRI110: A special domain combined with others.</summary>
    public static readonly DiagnosticDescriptor SpecialDomainNotAlone = new("CRI110", "SpecialDomainNotAlone", "A special domain combined with others", Severity.Error);
    /// <summary>CRI111: BO flags bits other than IS_IMPORT.</summary>
    public static readonly DiagnosticDescriptor UnknownBoFlags = new("CRI111", "UnknownBoFlags", "BO flags bits other than IS_IMPORT", Severity.Error);
    /// <summary>CRI112: mmap offset below the DRM fake-offset start.</summary>
    public static readonly DiagnosticDescriptor MmapOffsetBelowStart = new("CRI112", "MmapOffsetBelowStart", "mmap offset below the DRM fake-offset start", Severity.Error);
    /// <summary>CRI113: alloc_flags GEM_CREATE refuses on the target kernel.</summary>
    public static readonly DiagnosticDescriptor CreateFlagsRefused = new("CRI113", "CreateFlagsRefused", "alloc_flags GEM_CREATE refuses on the target kernel", Severity.Error);
    /// <summary>CRI114: GEM_MMAP refuses a BO without CPU access.</summary>
    public static readonly DiagnosticDescriptor MmapRefused = new("CRI114", "MmapRefused", "GEM_MMAP refuses a BO without CPU access", Severity.Error);
    /// <summary>CRI115: GEM handle above INT_MAX.</summary>
    public static readonly DiagnosticDescriptor HandleAboveIntMax = new("CRI115", "HandleAboveIntMax", "GEM handle above INT_MAX", Severity.Error);
    /// <summary>CRI116: Alignment in CPU pages that GEM_CREATE reads as bytes.</summary>
    public static readonly DiagnosticDescriptor AlignmentInPages = new("CRI116", "AlignmentInPages", "Alignment in CPU pages that GEM_CREATE reads as bytes", Severity.Warning);

    // VM buckets (CRI2xx).
    /// <summary>CRI201: Mapping start after its last page.</summary>
    public static readonly DiagnosticDescriptor StartAfterLast = new("CRI201", "StartAfterLast", "Mapping start after its last page", Severity.Error);
    /// <summary>CRI202: Mapping of size zero.</summary>
    public static readonly DiagnosticDescriptor MappingSizeZero = new("CRI202", "MappingSizeZero", "Mapping of size zero", Severity.Error);
    /// <summary>CRI203: Mapping address, size or offset not page aligned.</summary>
    public static readonly DiagnosticDescriptor MappingMisaligned = new("CRI203", "MappingMisaligned", "Mapping address, size or offset not page aligned", Severity.Error);
    /// <summary>CRI204: Mapping runs past the end of its BO.</summary>
    public static readonly DiagnosticDescriptor MappingPastBoEnd = new("CRI204", "MappingPastBoEnd", "Mapping runs past the end of its BO", Severity.Error);
    /// <summary>CRI205: Two mappings of one VM share a page.</summary>
    public static readonly DiagnosticDescriptor MappingOverlap = new("CRI205", "MappingOverlap", "Two mappings of one VM share a page", Severity.Error);
    /// <summary>CRI206: Mapping below the reserved bottom of the VM (64 KiB).</summary>
    public static readonly DiagnosticDescriptor BelowReservedBottom = new("CRI206", "BelowReservedBottom", "Mapping below the reserved bottom of the VM (64 KiB)", Severity.Error);
    /// <summary>CRI207: Mapping below 2 MiB, which older kernels reserve.</summary>
    public static readonly DiagnosticDescriptor BelowLegacyReserve = new("CRI207", "BelowLegacyReserve", "Mapping below 2 MiB, which older kernels reserve", Severity.Warning);
    /// <summary>CRI208: Mapping past the last page of the VM, or beyond 64 bits.</summary>
    public static readonly DiagnosticDescriptor PastVmEnd = new("CRI208", "PastVmEnd", "Mapping past the last page of the VM, or beyond 64 bits", Severity.Error);
    /// <summary>CRI209: Mapping flags GEM_VA does not accept.</summary>
    public static readonly DiagnosticDescriptor FlagsNotAccepted = new("CRI209", "FlagsNotAccepted", "Mapping flags GEM_VA does not accept", Severity.Error);
    /// <summary>CRI210: PRT flag on a mapping of a BO.</summary>
    public static readonly DiagnosticDescriptor PrtOnBoMapping = new("CRI210", "PrtOnBoMapping", "PRT flag on a mapping of a BO", Severity.Error);
    /// <summary>CRI211: MTYPE value 6..15.</summary>
    public static readonly DiagnosticDescriptor UndefinedMtype = new("CRI211", "UndefinedMtype", "MTYPE value 6..15", Severity.Warning);
    /// <summary>CRI212: Mapping without read, write or execute.</summary>
    public static readonly DiagnosticDescriptor NoAccessBits = new("CRI212", "NoAccessBits", "Mapping without read, write or execute", Severity.Warning);
    /// <summary>CRI213: criu-2025-06 flags outside what its kernel converts.</summary>
    public static readonly DiagnosticDescriptor FlagsOutsideCriu2025 = new("CRI213", "FlagsOutsideCriu2025", "criu-2025-06 flags outside what its kernel converts", Severity.Error);
    /// <summary>CRI214: PTE flag bits the GC IP version does not define.</summary>
    public static readonly DiagnosticDescriptor UndefinedPteBits = new("CRI214", "UndefinedPteBits", "PTE flag bits the GC IP version does not define", Severity.Error);
    /// <summary>CRI215: PTE flags not checked: the GC IP version is unknown.</summary>
    public static readonly DiagnosticDescriptor PteUnchecked = new("CRI215", "PteUnchecked", "PTE flags not checked: the GC IP version is unknown", Severity.Note);
    /// <summary>CRI216: Mapping in the reserved top of the VM.</summary>
    public static readonly DiagnosticDescriptor InReservedTop = new("CRI216", "InReservedTop", "Mapping in the reserved top of the VM", Severity.Error);
    /// <summary>CRI217: Mapping address in the GMC hole as recorded.</summary>
    public static readonly DiagnosticDescriptor InGmcHole = new("CRI217", "InGmcHole", "Mapping address in the GMC hole as recorded", Severity.Error);
    /// <summary>CRI218: PTE flags that GEM_VA cannot take back.</summary>
    public static readonly DiagnosticDescriptor PteFlagsNotUapi = new("CRI218", "PteFlagsNotUapi", "PTE flags that GEM_VA cannot take back", Severity.Error);
    /// <summary>CRI219: A linux-6.18 image with raw PTE flags.</summary>
    public static readonly DiagnosticDescriptor PteFlagsFrom6_18 = new("CRI219", "PteFlagsFrom6_18", "A linux-6.18 image with raw PTE flags", Severity.Error);
    /// <summary>CRI220: Mapping saved with DELAY_UPDATE.</summary>
    public static readonly DiagnosticDescriptor DelayUpdate = new("CRI220", "DelayUpdate", "Mapping saved with DELAY_UPDATE", Severity.Warning);

    // Restore on a target host: CRIU's GPU matching (CRI4xx, docs/diagnostics.md; CriuImage.Topology.HostCheck).
    /// <summary>CRI401: The target has another number of GPUs.</summary>
    public static readonly DiagnosticDescriptor GpuCountMismatch = new("CRI401", "GpuCountMismatch", "The target has another number of GPUs", Severity.Error);
    /// <summary>CRI402: The target has fewer XGMI hives.</summary>
    public static readonly DiagnosticDescriptor HiveCountMismatch = new("CRI402", "HiveCountMismatch", "The target has fewer XGMI hives", Severity.Error);
    /// <summary>CRI403: A GPU property rules out every candidate.</summary>
    public static readonly DiagnosticDescriptor PropertyMismatch = new("CRI403", "PropertyMismatch", "A GPU property rules out every candidate", Severity.Error);
    /// <summary>CRI404: The io_links rule out every candidate.</summary>
    public static readonly DiagnosticDescriptor IoLinkMismatch = new("CRI404", "IoLinkMismatch", "The io_links rule out every candidate", Severity.Error);
    /// <summary>CRI405: A checkpointed XGMI hive fits no target hive.</summary>
    public static readonly DiagnosticDescriptor HiveNotPlaced = new("CRI405", "HiveNotPlaced", "A checkpointed XGMI hive fits no target hive", Severity.Error);
    /// <summary>CRI406: CRIU's GPU search never ends.</summary>
    public static readonly DiagnosticDescriptor SearchNeverEnds = new("CRI406", "SearchNeverEnds", "CRIU's GPU search never ends", Severity.Error);
    /// <summary>CRI407: CRIU misses a mapping that exists.</summary>
    public static readonly DiagnosticDescriptor SearchMissesMapping = new("CRI407", "SearchMissesMapping", "CRIU misses a mapping that exists", Severity.Error);
    /// <summary>CRI408: No one-to-one assignment of the GPUs exists.</summary>
    public static readonly DiagnosticDescriptor NoAssignment = new("CRI408", "NoAssignment", "No one-to-one assignment of the GPUs exists", Severity.Error);
    /// <summary>CRI409: Target render minor outside 128..255.</summary>
    public static readonly DiagnosticDescriptor TargetRenderMinorOutOfRange = new("CRI409", "TargetRenderMinorOutOfRange", "Target render minor outside 128..255", Severity.Error);
    /// <summary>CRI410: CRIU cannot parse the target's topology.</summary>
    public static readonly DiagnosticDescriptor TopologyUnparsable = new("CRI410", "TopologyUnparsable", "CRIU cannot parse the target's topology", Severity.Error);
    /// <summary>CRI411: Restores only because a KFD_*_CHECK switch is off.</summary>
    public static readonly DiagnosticDescriptor CheckSwitchedOff = new("CRI411", "CheckSwitchedOff", "Restores only because a KFD_*_CHECK switch is off", Severity.Warning);
    /// <summary>CRI412: A KFD_*_CHECK value CRIU ignores.</summary>
    public static readonly DiagnosticDescriptor IgnoredSwitchValue = new("CRI412", "IgnoredSwitchValue", "A KFD_*_CHECK value CRIU ignores", Severity.Warning);
    /// <summary>CRI413: The GPU map depends on the target's directory order.</summary>
    public static readonly DiagnosticDescriptor MapDependsOnOrder = new("CRI413", "MapDependsOnOrder", "The GPU map depends on the target's directory order", Severity.Note);
    /// <summary>CRI414: CRIU's GPU search crashes.</summary>
    public static readonly DiagnosticDescriptor SearchCrashes = new("CRI414", "SearchCrashes", "CRIU's GPU search crashes", Severity.Error);
    /// <summary>CRI415: The replay of CRIU's search gave up undecided.</summary>
    public static readonly DiagnosticDescriptor SearchUndecided = new("CRI415", "SearchUndecided", "The replay of CRIU's search gave up undecided", Severity.Warning);
    /// <summary>CRI416: A render node with BOs, on a target kernel without the CRIU GEM interface.</summary>
    public static readonly DiagnosticDescriptor TargetLacksGemCriu = new("CRI416", "TargetLacksGemCriu", "A render node with BOs, on a target kernel without the CRIU GEM interface", Severity.Error);
    /// <summary>CRI417: The target's KFD ioctl version is unknown.</summary>
    public static readonly DiagnosticDescriptor KfdVersionUnknown = new("CRI417", "KfdVersionUnknown", "The target's KFD ioctl version is unknown", Severity.Note);
    /// <summary>CRI418: The target's kernel is unknown: render-node interfaces not checked.</summary>
    public static readonly DiagnosticDescriptor TargetKernelUnknown = new("CRI418", "TargetKernelUnknown", "The target's kernel is unknown: render-node interfaces not checked", Severity.Note);
    /// <summary>CRI419: GPU nodes of the target hidden from the reader.</summary>
    public static readonly DiagnosticDescriptor TargetGpusHidden = new("CRI419", "TargetGpusHidden", "GPU nodes of the target hidden from the reader", Severity.Warning);

    // CRIU amdgpu dumps (CRI3xx).
    /// <summary>CRI301: A CRIU amdgpu file shorter than its 8-byte header.</summary>
    public static readonly DiagnosticDescriptor CriuFileTooShort = new("CRI301", "CriuFileTooShort", "A CRIU amdgpu file shorter than its 8-byte header", Severity.Error);
    /// <summary>CRI302: A CRIU message cut short of the length its header gives.</summary>
    public static readonly DiagnosticDescriptor CriuMessageTruncated = new("CRI302", "CriuMessageTruncated", "A CRIU message cut short of the length its header gives", Severity.Error);
    /// <summary>CRI303: Bytes after a CRIU file's message or contents, which CRIU ignores.</summary>
    public static readonly DiagnosticDescriptor CriuStaleBytes = new("CRI303", "CriuStaleBytes", "Bytes after a CRIU file's message or contents, which CRIU ignores", Severity.Warning);
    /// <summary>CRI304: A CRIU message protobuf-c cannot unpack.</summary>
    public static readonly DiagnosticDescriptor CriuUnpackFails = new("CRI304", "CriuUnpackFails", "A CRIU message protobuf-c cannot unpack", Severity.Error);
    /// <summary>CRI305: A uint32 field above 32 bits, which CRIU truncates.</summary>
    public static readonly DiagnosticDescriptor CriuUint32Truncated = new("CRI305", "CriuUint32Truncated", "A uint32 field above 32 bits, which CRIU truncates", Severity.Error);
    /// <summary>CRI306: A message no CRIU revision writes, or files of one dump from different revisions.</summary>
    public static readonly DiagnosticDescriptor CriuRevisionMismatch = new("CRI306", "CriuRevisionMismatch", "A message no CRIU revision writes, or files of one dump from different revisions", Severity.Error);
    /// <summary>CRI307: A recorded count that disagrees with its list.</summary>
    public static readonly DiagnosticDescriptor CriuCountMismatch = new("CRI307", "CriuCountMismatch", "A recorded count that disagrees with its list", Severity.Error);
    /// <summary>CRI308: No drm-pages file for a render-node BO whose contents restore reads.</summary>
    public static readonly DiagnosticDescriptor DrmPagesMissing = new("CRI308", "DrmPagesMissing", "No drm-pages file for a render-node BO whose contents restore reads", Severity.Error);
    /// <summary>CRI309: No drm-pages file for a render-node BO whose contents restore does not read.</summary>
    public static readonly DiagnosticDescriptor DrmPagesMissingUnread = new("CRI309", "DrmPagesMissingUnread", "No drm-pages file for a render-node BO whose contents restore does not read", Severity.Warning);
    /// <summary>CRI310: A contents file shorter than the contents it should hold.</summary>
    public static readonly DiagnosticDescriptor ContentsShort = new("CRI310", "ContentsShort", "A contents file shorter than the contents it should hold", Severity.Error);
    /// <summary>CRI311: A KFD pages header that is not the sum of its GPU's VRAM and GTT KFD BO sizes.</summary>
    public static readonly DiagnosticDescriptor KfdPagesHeaderMismatch = new("CRI311", "KfdPagesHeaderMismatch", "A KFD pages header that is not the sum of its GPU's VRAM and GTT KFD BO sizes", Severity.Error);
    /// <summary>CRI312: No KFD pages file for a GPU of the KFD image.</summary>
    public static readonly DiagnosticDescriptor KfdPagesMissing = new("CRI312", "KfdPagesMissing", "No KFD pages file for a GPU of the KFD image", Severity.Error);
    /// <summary>CRI313: A gpu_id that no KFD device entry has.</summary>
    public static readonly DiagnosticDescriptor UnknownGpuId = new("CRI313", "UnknownGpuId", "A gpu_id that no KFD device entry has", Severity.Error);
    /// <summary>CRI314: KFD BOs of one GPU overlapping each other or that GPU's render-node mappings.</summary>
    public static readonly DiagnosticDescriptor GpuVaOverlap = new("CRI314", "GpuVaOverlap", "KFD BOs of one GPU overlapping each other or that GPU's render-node mappings", Severity.Error);
    /// <summary>CRI315: An imported render-node BO without an exporter in the dump.</summary>
    public static readonly DiagnosticDescriptor OrphanImport = new("CRI315", "OrphanImport", "An imported render-node BO without an exporter in the dump", Severity.Error);
    /// <summary>CRI316: A dma-buf node naming a handle no BO has.</summary>
    public static readonly DiagnosticDescriptor DmabufUnknownHandle = new("CRI316", "DmabufUnknownHandle", "A dma-buf node naming a handle no BO has", Severity.Error);
    /// <summary>CRI317: A render minor outside 128..255.</summary>
    public static readonly DiagnosticDescriptor RenderMinorOutOfRange = new("CRI317", "RenderMinorOutOfRange", "A render minor outside 128..255", Severity.Error);
    /// <summary>CRI318: A render-node BO's addr other than its last mapping's address.</summary>
    public static readonly DiagnosticDescriptor BoAddrNotLastMapping = new("CRI318", "BoAddrNotLastMapping", "A render-node BO's addr other than its last mapping's address", Severity.Error);
    /// <summary>CRI319: is_import set because a KFD BO has the same handle number.</summary>
    public static readonly DiagnosticDescriptor IsImportOverReported = new("CRI319", "IsImportOverReported", "is_import set because a KFD BO has the same handle number", Severity.Note);
    /// <summary>CRI320: A CRIU contents or node file that belongs to nothing in the dump.</summary>
    public static readonly DiagnosticDescriptor OrphanCriuFile = new("CRI320", "OrphanCriuFile", "A CRIU contents or node file that belongs to nothing in the dump", Severity.Warning);
    /// <summary>CRI321: A render node in a dump with no KFD image: restore has no GPU map for it.</summary>
    public static readonly DiagnosticDescriptor RenderNodeWithoutKfd = new("CRI321", "RenderNodeWithoutKfd", "A render node in a dump with no KFD image: restore has no GPU map for it", Severity.Error);
    /// <summary>CRI322: A drm-pages file shorter than its BO, whose contents restore does not read.</summary>
    public static readonly DiagnosticDescriptor ContentsShortUnread = new("CRI322", "ContentsShortUnread", "A drm-pages file shorter than its BO, whose contents restore does not read", Severity.Warning);
    /// <summary>CRI323: Contents saved for an unmapped render-node BO, which restore does not write back.</summary>
    public static readonly DiagnosticDescriptor ContentsNotRestored = new("CRI323", "ContentsNotRestored", "Contents saved for an unmapped render-node BO, which restore does not write back", Severity.Warning);
    /// <summary>CRI324: A GPU whose KFD contents criu-dev's parallel restore reads at the wrong offset.</summary>
    public static readonly DiagnosticDescriptor ParallelRestoreOffset = new("CRI324", "ParallelRestoreOffset", "A GPU whose KFD contents criu-dev's parallel restore reads at the wrong offset", Severity.Warning);

    /// <summary>All codes, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(Descriptors)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToArray();
}
