using CriuImage.Tests.Support.Protobuf;
using Google.Protobuf;

namespace CriuImage.Tests.Support;

/// <summary>CRIU amdgpu render-node images as the plugin writes them: an 8-byte length, then the protobuf (by Google.Protobuf).</summary>
internal static class CriuImages
{
    public static criu_render_node Sample()
    {
        var node = new criu_render_node { GpuId = 0xBEEF, Id = 9, DrmRenderMinor = 128, NumOfBos = 2 };
        var vram = new drm_bo_entry { Addr = 0, Size = 2 << 20, Offset = 0x1_0000_0000, AllocFlags = 8, Alignment = 512, PreferredDomains = 4, Handle = 1, IsImport = 0, NumOfVms = 2 };
        vram.VmEntries.Add(new drm_vm_entry { Addr = 0x1_0000_0000, Size = 1 << 20, Offset = 0, Flags = 0xE });
        vram.VmEntries.Add(new drm_vm_entry { Addr = 0x1_0010_0000, Size = 1 << 20, Offset = 1 << 20, Flags = 0x6 });
        var imported = new drm_bo_entry { Addr = 0, Size = 4096, Offset = 0x1_0020_0000, AllocFlags = 0, Alignment = 1, PreferredDomains = 2, Handle = 5, IsImport = 1, NumOfVms = 0 };
        node.BoEntries.Add(vram);
        node.BoEntries.Add(imported);
        return node;
    }

    public static byte[] File(IMessage message)
    {
        byte[] body = message.ToByteArray();
        return [.. BitConverter.GetBytes((ulong)body.Length), .. body];
    }

    /// <summary>A protobuf base-128 varint, for the tests that write fields by hand.</summary>
    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
