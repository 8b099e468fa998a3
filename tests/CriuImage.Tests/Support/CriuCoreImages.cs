using Google.Protobuf;

namespace CriuImage.Tests.Support;

/// <summary>
/// CRIU's own images, written as CRIU writes them (criu/image.c, criu/protobuf.c): <c>pstree.img</c> entries
/// (images/pstree.proto) and <c>core-PID.img</c> (images/core.proto), with Google.Protobuf.
/// </summary>
public static class CriuCoreImages
{
    public const uint CommonMagic = 0x54564319, PstreeMagic = 0x50273030, CoreMagic = 0x55053847;

    /// <summary>The <c>pstree.img</c> of the tasks given as (pid, ppid), the root's ppid 0.</summary>
    public static byte[] Pstree(params (uint Pid, uint Ppid)[] tasks) =>
        Image(PstreeMagic, Entries([.. tasks.Select(t => Task(t.Pid, t.Ppid))]), common: true);

    /// <summary>A pstree_entry: pid, ppid, pgid and sid, then each thread as its own field 5 (proto2, not packed).</summary>
    public static byte[] Task(uint pid, uint ppid, uint[]? threads = null) => Message(o =>
    {
        foreach ((int field, uint value) in new[] { (1, pid), (2, ppid), (3, pid), (4, pid) })
        {
            o.WriteTag(field, WireFormat.WireType.Varint);
            o.WriteUInt32(value);
        }

        foreach (uint thread in threads ?? [pid])
        {
            o.WriteTag(5, WireFormat.WireType.Varint);
            o.WriteUInt32(thread);
        }
    });

    /// <summary>A core_entry with mtype and tc.task_state only.</summary>
    public static byte[] Core(uint state)
    {
        byte[] tc = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteUInt32(state);
        });
        byte[] core = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteUInt32(1);
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(tc));
        });
        return Image(CoreMagic, Entries(core), common: true);
    }

    public static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }

        return buffer.ToArray();
    }

    /// <summary>Entries as pb_write_one frames them: a 32-bit little-endian length, then the message.</summary>
    public static byte[] Entries(params byte[][] messages) => [.. messages.SelectMany(m => BitConverter.GetBytes((uint)m.Length).Concat(m))];

    public static byte[] Image(uint magic, byte[] entries, bool common) =>
        [.. common ? BitConverter.GetBytes(CommonMagic) : [], .. BitConverter.GetBytes(magic), .. entries];
}
