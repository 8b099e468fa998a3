using System.Text.RegularExpressions;
using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>One <c>fdinfo_entry</c> (images/fdinfo.proto at 2cf8f13): a descriptor of a files table and the file it names.</summary>
/// <param name="Offset">Byte offset of the entry in its image.</param>
/// <param name="FileId">Field 1: the file's id (for an amdgpu file, the number in its name).</param>
/// <param name="Type">Field 3: <c>fd_types</c> (EXT = 16 for every file CRIU's amdgpu plugin dumps).</param>
/// <param name="Fd">Field 4: the descriptor.</param>
internal readonly record struct FdinfoEntry(long Offset, uint FileId, uint Type, uint Fd);

/// <summary>
/// Readers of the CRIU images that say which task holds which file (criu/files.c, criu/cr-dump.c at 2cf8f13):
/// <c>fdinfo-FILES_ID.img</c> (the table a task's <c>ids-PID.img</c> names, <see cref="CriuTaskImages"/>) (one per files table,
/// the descriptors in the order the dump met them, ascending) and <c>files.img</c> (one <c>file_entry</c> per file
/// id). The amdgpu plugin's files are external files (<c>dump_unsupp_fd</c> -> <c>dump_one_ext_file</c>,
/// criu/files-ext.c:12-32): type EXT in both images, the file id the plugin names its image after. Each damage is
/// an <see cref="ImageFormatException"/> at its byte.
/// </summary>
internal static partial class CriuFdImages
{
    /// <summary>The name of CRIU's file-entry image.</summary>
    public const string FilesName = "files.img";

    /// <summary>FDINFO_MAGIC (criu/include/magic.h).</summary>
    private const uint FdinfoMagic = 0x56213732;

    /// <summary>FILES_MAGIC (criu/include/magic.h).</summary>
    private const uint FilesMagic = 0x56303138;

    /// <summary>fdinfo_entry's varint fields 1..4 (images/fdinfo.proto).</summary>
    private static readonly string[] FdinfoFields = ["id", "flags", "type", "fd"];

    /// <summary>file_entry's varint fields 1..2.</summary>
    private static readonly string[] FileFields = ["type", "id"];

    /// <summary><c>fd_types.EXT</c>: a file a plugin dumps and restores.</summary>
    public const uint ExtType = 16;

    /// <summary><c>fd_types.REG</c>: a regular file (a character device of the memory major too, /dev/null).</summary>
    public const uint RegType = 1;

    /// <summary><c>fd_types.EVENTFD</c>.</summary>
    public const uint EventfdType = 6;

    /// <summary>
    /// True for the file types whose open on restore never asks to be called again, so the task that opens such a file
    /// sends it to the other tasks holding it in its first pass, at its descriptor (<c>open_fe_fd</c>,
    /// criu/files-reg.c:2553-2562; <c>eventfd_open</c>, criu/eventfd.c:69-93 at 2cf8f13: each returns 0 or -1; then
    /// <c>setup_and_serve_out</c>, criu/files.c:1114-1133).
    /// </summary>
    public static bool OpensAtOnce(uint type) => type is RegType or EventfdType;

    /// <summary>The files-table id of an <c>fdinfo-N.img</c>, or null for any other name.</summary>
    public static uint? FdinfoId(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return CriuImageEntries.NumberIn(FdinfoName().Match(fileName));
    }

    /// <summary>True for the images these readers take: <c>fdinfo-N.img</c> and <c>files.img</c>.</summary>
    public static bool IsFdFile(string fileName) => fileName == FilesName || FdinfoId(fileName) is not null;

    /// <summary>
    /// The entries of an <c>fdinfo-N.img</c> that name a file of <paramref name="wanted"/>, every other EXT one (a
    /// file another plugin restores) and every one of a type that opens at once (<see cref="OpensAtOnce"/>: another
    /// task holding it is sent it, which wakes that task), in the file's order (every entry is checked; the others are
    /// not kept: a table may hold many descriptors).
    /// </summary>
    /// <exception cref="ImageFormatException">The framing or a wire is damaged, or an entry lacks a required field.</exception>
    public static List<FdinfoEntry> ReadFdinfo(ReadOnlyMemory<byte> file, IReadOnlySet<uint> wanted)
    {
        var entries = new List<FdinfoEntry>();
        foreach (VarintEntry e in CriuVarintEntries.Each(file, FdinfoMagic, "fdinfo image", FdinfoFields))
        {
            if (!e.HasAll)
            {
                throw new ImageFormatException(e.Offset, "an fdinfo_entry lacks one of its required fields id, flags, type, fd: protobuf-c refuses it and CRIU's restore stops");
            }

            if (wanted.Contains(e.U32(1)) || e.U32(3) == ExtType || OpensAtOnce(e.U32(3)))
            {
                entries.Add(new FdinfoEntry(e.Offset, e.U32(1), e.U32(3), e.U32(4)));
            }
        }

        return entries;
    }

    /// <summary>
    /// The <c>file_entry</c> type of each id of <paramref name="wanted"/> that <c>files.img</c> lists (the other
    /// entries are walked, not kept: a dump's files.img holds every file of every task).
    /// </summary>
    /// <exception cref="ImageFormatException">The framing or a wire is damaged, or an entry lacks its type or id.</exception>
    public static Dictionary<uint, (uint Type, long Offset)> ReadFileTypes(ReadOnlyMemory<byte> file, IReadOnlySet<uint> wanted)
    {
        var types = new Dictionary<uint, (uint, long)>();
        foreach (VarintEntry e in CriuVarintEntries.Each(file, FilesMagic, "files image", FileFields))
        {
            if (!e.HasAll)
            {
                throw new ImageFormatException(e.Offset, "a file_entry lacks its required type or id: protobuf-c refuses it and CRIU's restore stops");
            }

            if (wanted.Contains(e.U32(2)))
            {
                types.TryAdd(e.U32(2), (e.U32(1), e.Offset));
            }
        }

        return types;
    }

    [GeneratedRegex(@"^fdinfo-([0-9]+)\.img$", RegexOptions.CultureInvariant)]
    private static partial Regex FdinfoName();
}
