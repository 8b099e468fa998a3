using System.Text.Json.Nodes;
using static CriuImage.Tests.Support.CriuCoreImages;

namespace CriuImage.Tests.Support;

/// <summary>
/// The criu-dev fixture dump with CRIU's process images written beside it as CRIU writes them: pstree.img,
/// core-PID.img (task_state), ids-PID.img (files_id; none for a zombie), fdinfo-N.img and files.img; and the
/// plan and verify output the tests read.
/// </summary>
internal static class CriuTaskDumps
{
    public const uint FdinfoMagic = 0x56213732, FilesMagic = 0x56303138, IdsMagic = 0x54432030;

    /// <summary>Writes the dump under <paramref name="parent"/>: tasks as (pid, ppid, files_id or null, task_state), tables as descriptors (fd, file id).</summary>
    public static string Write(string parent, (uint Pid, uint Ppid, uint? FilesId, uint State)[] tasks, Dictionary<uint, (uint Fd, uint Id)[]> tables)
    {
        string folder = CriuFixtures.CopyTo("criu-dev", Path.Combine(parent, "dump-" + Guid.NewGuid().ToString("N")));
        File.WriteAllBytes(Path.Combine(folder, "pstree.img"), Pstree([.. tasks.Select(t => (t.Pid, t.Ppid))]));
        foreach ((uint pid, _, uint? filesId, uint state) in tasks)
        {
            File.WriteAllBytes(Path.Combine(folder, $"core-{pid}.img"), Core(state));
            if (filesId is { } table)
            {
                File.WriteAllBytes(Path.Combine(folder, $"ids-{pid}.img"), Ids(pid, table));
            }
        }

        foreach ((uint id, (uint Fd, uint Id)[] fds) in tables)
        {
            File.WriteAllBytes(Path.Combine(folder, $"fdinfo-{id}.img"), Image(FdinfoMagic, Entries([.. fds.Select(f => Entry(f.Id, f.Fd))]), common: true));
        }

        File.WriteAllBytes(Path.Combine(folder, "files.img"), Image(FilesMagic, Entries([.. new uint[] { 5, 7, 8, 9 }.Select(i => FileEntry(16, i))]), common: true));
        return folder;
    }

    /// <summary>An fdinfo_entry {id, flags 0, type EXT, fd}.</summary>
    public static byte[] Entry(uint id, uint fd, uint type = 16) => Varints((1, id), (2, 0), (3, type), (4, fd));

    /// <summary>A file_entry {type, id} (its ext member left out: the reader takes type and id only).</summary>
    public static byte[] FileEntry(uint type, uint id) => Varints((1, type), (2, id));

    /// <summary>An ids-PID.img: its task_kobj_ids_entry {vm_id, files_id, fs_id, sighand_id}, as dump_task_ids writes it.</summary>
    public static byte[] Ids(uint pid, uint filesId) => Image(IdsMagic, Entries(Varints((1, pid), (2, filesId), (3, pid), (4, pid))), common: true);

    public static byte[] Varints(params (int Field, uint Value)[] fields) => Message(o =>
    {
        foreach ((int field, uint value) in fields)
        {
            o.WriteTag(field, Google.Protobuf.WireFormat.WireType.Varint);
            o.WriteUInt32(value);
        }
    });

    /// <summary>plan's <c>restore</c> member of the dump's first line (criu-dev).</summary>
    public static async Task<JsonNode> PlanRestore(string dump)
    {
        (_, string output, string error) = await Cli.Run("plan", dump, "--format", "json");
        Assert.Equal("", error);
        return JsonNode.Parse(output)!["dumps"]![0]!["restore"]!;
    }

    /// <summary>verify's messages of <paramref name="code"/>.</summary>
    public static async Task<string[]> Findings(string dump, string code)
    {
        (_, string json, _) = await Cli.Run("verify", "--format", "json", dump);
        return [.. JsonNode.Parse(json)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray())
            .Where(d => (string)d!["code"]! == code).Select(d => (string)d!["message"]!)];
    }
}
