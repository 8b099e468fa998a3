using System.Buffers.Binary;

namespace CriuImage.Criu;

/// <summary>
/// The 8 bytes CRIU's amdgpu plugin writes before every file's contents (amdgpu_plugin_util.c,
/// open_img_file: a native size_t, little-endian on x86-64): the protobuf's length for message files,
/// the byte count for KFD pages files; for drm-pages files an uninitialised variable.
/// </summary>
internal static class CriuHeader
{
    /// <summary>Size of the header.</summary>
    public const int Size = 8;

    /// <summary>The header's value, or null when <paramref name="head"/> is shorter than 8 bytes.</summary>
    public static ulong? Read(ReadOnlySpan<byte> head) =>
        head.Length < Size ? null : BinaryPrimitives.ReadUInt64LittleEndian(head);
}
