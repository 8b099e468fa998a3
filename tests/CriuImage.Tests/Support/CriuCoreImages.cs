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

    /// <summary>
    /// A task's core_entry as dump_task_core_all writes it: mtype, thread_info (x86-64, required fields zero), tc with
    /// task_state and thread_core; a zombie's (state 2) with mtype and tc only, as dump_one_zombie writes it.
    /// </summary>
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
            if (state != 2)
            {
                Nested(o, 2, ThreadInfo());
            }

            Nested(o, 3, tc);
            if (state != 2)
            {
                Nested(o, 5, ThreadCoreEntry());
            }
        });
        return Image(CoreMagic, Entries(core), common: true);
    }

    /// <summary>A thread's core-TID.img (dump_task_thread): mtype, thread_info and thread_core, without tc or ids.</summary>
    public static byte[] ThreadCore() => Image(CoreMagic, Entries(Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteUInt32(1);
        Nested(o, 2, ThreadInfo());
        Nested(o, 5, ThreadCoreEntry());
    })), common: true);

    /// <summary>thread_info_x86: clear_tid_addr, gpregs (fields 1..27) and fpregs (fields 1..8), all zero.</summary>
    public static byte[] ThreadInfo() => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteUInt64(0);
        Nested(o, 2, Zeros(27));
        Nested(o, 3, Zeros(8));
    });

    /// <summary>thread_core_entry's required futex_rla and futex_rla_len.</summary>
    public static byte[] ThreadCoreEntry() => Zeros(2);

    private static byte[] Zeros(int fields) => Message(o =>
    {
        for (int field = 1; field <= fields; field++)
        {
            o.WriteTag(field, WireFormat.WireType.Varint);
            o.WriteUInt64(0);
        }
    });

    private static void Nested(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
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
