using System.Text.RegularExpressions;
using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>What CRIU's restore needs of one <c>core-PID.img</c> or thread's <c>core-TID.img</c> (images/core.proto at 2cf8f13).</summary>
/// <param name="HasTc">Field 3, <c>task_core_entry</c>: check_core refuses a task's core without it (criu/cr-restore.c:858-861); a thread's must not have it (:3397-3405).</param>
/// <param name="State">Its <c>task_state</c>: 1 alive, 2 dead (a zombie), 3 stopped; null without a <c>tc</c>.</param>
/// <param name="HasIds">Field 4, <c>task_kobj_ids_entry</c>: only dumps older than CRIU 1.0 write it here (20b5ed916, 2013).</param>
internal readonly record struct CoreFacts(bool HasTc, uint? State, bool HasIds)
{
    /// <summary>TASK_DEAD (criu/include/pid.h, compel's task-state.h): a zombie's core, which CRIU's dump writes without ids.</summary>
    public const uint Dead = 2;

    /// <summary>True for the states restore_one_task knows: alive, dead, stopped (criu/cr-restore.c:990-1001).</summary>
    public bool KnownState => State is 1 or Dead or 3;

    /// <summary>
    /// The thread's registers for the core's own <c>mtype</c> (<c>CORE_THREAD_ARCH_INFO</c>: thread_info on x86-64,
    /// ti_aarch64 on AArch64, ...): check_core refuses a live task's core without them (cr-restore.c:869-872) and
    /// sigreturn_restore reads a thread's (:3408).
    /// </summary>
    public bool HasThreadInfo { get; init; }

    /// <summary>Field 5, <c>thread_core_entry</c>: open_cores reads every thread's, the leader's too (cr-restore.c:549-553).</summary>
    public bool HasThreadCore { get; init; }
}

/// <summary>
/// Readers of the per-task CRIU images beside <c>pstree.img</c>: <c>ids-PID.img</c>, where every CRIU since 1.0 keeps
/// a task's <c>task_kobj_ids_entry</c> (<c>dump_task_ids</c>, criu/cr-dump.c:725-728; read back by
/// <c>read_pstree_ids</c>, criu/pstree.c:516-530, the same at v3.17..v4.2), <c>core-PID.img</c>'s state, and
/// <c>ext-files.img</c>, the external files of dumps older than <c>files.img</c> (v3.4, fe6fa3bec), which CRIU still
/// reads when a dump has no <c>files.img</c> (<c>cinfos_files</c>, criu/cr-restore.c:280-285, :329).
/// </summary>
internal static partial class CriuTaskImages
{
    /// <summary>The name of the external-file image of dumps before v3.4.</summary>
    public const string ExtFilesName = "ext-files.img";

    /// <summary>IDS_MAGIC (criu/include/magic.h).</summary>
    private const uint IdsMagic = 0x54432030;

    /// <summary>CORE_MAGIC (criu/include/magic.h).</summary>
    private const uint CoreMagic = 0x55053847;

    /// <summary>EXT_FILES_MAGIC (criu/include/magic.h).</summary>
    private const uint ExtFilesMagic = 0x59255641;

    /// <summary>task_kobj_ids_entry's required varint fields 1..4 (images/core.proto).</summary>
    private static readonly string[] IdsFields = ["vm_id", "files_id", "fs_id", "sighand_id"];

    /// <summary>ext_file_entry's id, field 1 (images/ext-file.proto).</summary>
    private static readonly string[] ExtFields = ["id"];

    /// <summary>The pid of an <c>ids-PID.img</c>, or null for any other name.</summary>
    public static uint? IdsPid(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return CriuImageEntries.NumberIn(IdsName().Match(fileName));
    }

    /// <summary>True for <c>ids-PID.img</c> and <c>ext-files.img</c>.</summary>
    public static bool IsTaskFile(string fileName) => fileName == ExtFilesName || IdsPid(fileName) is not null;

    /// <summary>
    /// <c>files_id</c> of an <c>ids-PID.img</c>'s entry, or null when the image holds none (read_pstree_ids then
    /// leaves the task without ids, pb_read_one_eof at pstree.c:525-528).
    /// </summary>
    /// <exception cref="ImageFormatException">The framing or the wire is damaged, or a required field is missing: read_pstree_image fails.</exception>
    public static uint? ReadFilesId(ReadOnlyMemory<byte> file)
    {
        uint? filesId = null;
        foreach (VarintEntry e in CriuVarintEntries.Each(file, IdsMagic, "ids image", IdsFields))
        {
            if (filesId is not null)
            {
                // pb_read_one_eof takes the first entry; the rest is walked, so damage past it is still said.
                continue;
            }

            if (!e.HasAll)
            {
                throw new ImageFormatException(e.Offset, "a task_kobj_ids_entry lacks one of its required fields vm_id, files_id, fs_id, sighand_id: protobuf-c refuses it");
            }

            filesId = e.U32(2);
        }

        return filesId;
    }

    /// <summary>The first <c>core_entry</c>'s <c>tc</c>, state and ids; null when the image holds no entry (open_core fails).</summary>
    /// <exception cref="ImageFormatException">The framing or the wire is damaged.</exception>
    public static CoreFacts? ReadCore(ReadOnlyMemory<byte> file)
    {
        List<(long Offset, ReadOnlyMemory<byte> Bytes)> entries = CriuImageEntries.Read(file, CoreMagic, "core image");
        if (entries.Count == 0)
        {
            return null;
        }

        var reader = new ProtobufReader(entries[0].Bytes.Span, entries[0].Offset);
        bool tc = false, ids = false, threadCore = false;
        uint? state = null;
        ulong mtype = 0;
        var present = new HashSet<uint>();
        while (!reader.End)
        {
            (uint field, int wire) = reader.ReadKey();
            if (field == 3 && wire == 2)
            {
                tc = true;
                state = TaskState(reader.ReadMessage(3, "tc"));
                continue;
            }

            if (field == 1 && wire == 0)
            {
                mtype = reader.ReadVarint(1, "mtype");
                continue;
            }

            ids |= field == 4 && wire == 2;
            threadCore |= field == 5 && wire == 2;
            if (wire == 2)
            {
                present.Add(field);
            }

            reader.Skip(wire, field);
        }

        return new CoreFacts(tc, state, ids) { HasThreadCore = threadCore, HasThreadInfo = ArchInfoField(mtype) is { } info && present.Contains(info) };
    }

    /// <summary>The core_entry field of the registers of march <paramref name="mtype"/> (images/core.proto: x86-64 2, ARM 6, AArch64 8, PPC64 9, S390 10, MIPS 11, LoongArch64 12, RISC-V 13).</summary>
    private static uint? ArchInfoField(ulong mtype) => mtype switch
    {
        1 => 2,
        2 => 6,
        >= 3 and <= 8 => (uint)mtype + 5,
        _ => null,
    };

    private static uint? TaskState(ProtobufReader message)
    {
        uint? state = null;
        while (!message.End)
        {
            (uint inner, int innerWire) = message.ReadKey();
            if (inner == 1 && innerWire == 0)
            {
                state = (uint)message.ReadVarint(1, "task_state");
            }
            else
            {
                message.Skip(innerWire, inner);
            }
        }

        return state;
    }

    /// <summary>The ids of <c>ext-files.img</c>'s <c>ext_file_entry</c>s (field 1) among <paramref name="wanted"/>, with their offsets.</summary>
    /// <exception cref="ImageFormatException">The framing or a wire is damaged, or an entry lacks its id.</exception>
    public static Dictionary<uint, (uint Type, long Offset)> ReadExtFiles(ReadOnlyMemory<byte> file, IReadOnlySet<uint> wanted)
    {
        var ids = new Dictionary<uint, (uint, long)>();
        foreach (VarintEntry e in CriuVarintEntries.Each(file, ExtFilesMagic, "ext-files image", ExtFields))
        {
            if (!e.HasAll)
            {
                throw new ImageFormatException(e.Offset, "an ext_file_entry lacks its required id: protobuf-c refuses it and CRIU's restore stops");
            }

            if (wanted.Contains(e.U32(1)))
            {
                ids.TryAdd(e.U32(1), (CriuFdImages.ExtType, e.Offset));
            }
        }

        return ids;
    }

    [GeneratedRegex(@"^ids-([0-9]+)\.img$", RegexOptions.CultureInvariant)]
    private static partial Regex IdsName();
}
