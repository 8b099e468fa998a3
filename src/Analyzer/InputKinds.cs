using System.Buffers.Binary;
using CriuImage.Format;

namespace CriuImage.Analyzer;

/// <summary>Names a file given to the wrong command, so the error says which command reads it.</summary>
internal static class InputKinds
{
    /// <summary>criu/include/magic.h: IMG_COMMON_MAGIC heads CRIU's images, IMG_SERVICE_MAGIC its service files.</summary>
    private const uint CriuCommonMagic = 0x54564319;
    private const uint CriuServiceMagic = 0x55105940;

    /// <summary>
    /// For an image reader's failure on the magic (byte 0): what the file is instead, as a sentence to append;
    /// empty when it is nothing recognisable or the failure is elsewhere.
    /// </summary>
    public static string Hint(string path, ImageFormatException e)
    {
        if (e.ByteOffset != 0 || path == "-" || !File.Exists(path))
        {
            return "";
        }

        Span<byte> head = stackalloc byte[16];
        long length;
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path);
            length = RandomAccess.GetLength(file);
            head = head[..RandomAccess.Read(file, head, 0)];
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            return "";
        }

        return Describe(head, length) is { } kind ? $" ({kind})" : "";
    }

    /// <summary>What a file starting with <paramref name="head"/> is, when it is one of the kinds this tool knows of.</summary>
    public static string? Describe(ReadOnlySpan<byte> head, long length)
    {
        if (head.StartsWith(Preamble.Magic))
        {
            return "this is a criu-image file: decode, verify, info and show read it";
        }

        if (head.Length >= 8)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
            if (magic is CriuCommonMagic or CriuServiceMagic)
            {
                return "this is one of CRIU's own image files (crit decodes it); criu-image reads amdgpu images";
            }

            if (BinaryPrimitives.ReadUInt64LittleEndian(head) == (ulong)(length - 8) && length > 8)
            {
                return "this looks like CRIU's amdgpu plugin image, amdgpu-renderD-<id>.img: 'criu-image import' converts it";
            }
        }

        int first = 0;
        while (first < head.Length && head[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            first++;
        }

        return first < head.Length && head[first] == (byte)'{'
            ? "this looks like a JSON document: 'criu-image encode' turns it into an image"
            : null;
    }
}
