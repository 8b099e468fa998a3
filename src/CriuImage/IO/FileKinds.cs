using System.Buffers.Binary;
using CriuImage.Diagnostics;
using CriuImage.Format;

namespace CriuImage.IO;

/// <summary>Names a file given to the wrong reader from its first bytes, so an error can say what it is and, in the caller's words, what reads it.</summary>
internal static class FileKinds
{
    /// <summary>criu/include/magic.h: IMG_COMMON_MAGIC heads CRIU's images, IMG_SERVICE_MAGIC its service files.</summary>
    private const uint CriuCommonMagic = 0x54564319;
    private const uint CriuServiceMagic = 0x55105940;

    /// <summary>Bytes of the head <see cref="Describe(ReadOnlySpan{byte}, long, RemedyWords)"/> looks at.</summary>
    public const int HeadSize = 16;

    /// <summary>How <see cref="Describe(ReadOnlySpan{byte}, long, RemedyWords)"/> begins for a criu-image.</summary>
    public const string ImageKind = "this is a criu-image file";

    /// <summary>
    /// What a file starting with <paramref name="head"/> and <paramref name="length"/> bytes long is, when it is one
    /// of the kinds this tool knows, and what reads it in <paramref name="words"/>; otherwise null.
    /// </summary>
    public static string? Describe(ReadOnlySpan<byte> head, long length, RemedyWords words)
    {
        if (head.StartsWith(Preamble.Magic))
        {
            return $"{ImageKind}: {words.For(Remedy.ReadsImage)}";
        }

        if (head.Length >= 8)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
            if (magic is CriuCommonMagic or CriuServiceMagic)
            {
                return "this is one of CRIU's own image files (crit decodes it); criu-image reads amdgpu images";
            }

            // CRIU's amdgpu plugin writes an 8-byte length, then the protobuf: the length is the rest of the file.
            if (length > 8 && BinaryPrimitives.ReadUInt64LittleEndian(head) == (ulong)(length - 8))
            {
                return $"this looks like CRIU's amdgpu plugin image, amdgpu-renderD-<id>.img: {words.For(Remedy.ReadsPluginImage)}";
            }
        }

        int first = 0;
        while (first < head.Length && head[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            first++;
        }

        return first < head.Length && head[first] == (byte)'{'
            ? $"this looks like a JSON document: {words.For(Remedy.ReadsJson)}"
            : null;
    }

    /// <summary>What the file at <paramref name="path"/> is (see <see cref="Describe(ReadOnlySpan{byte}, long, RemedyWords)"/>); null when unknown, unreadable or not a regular file.</summary>
    public static string? Describe(string path, RemedyWords words)
    {
        Span<byte> head = stackalloc byte[HeadSize];
        if (StreamPaths.IsStream(path))
        {
            // A FIFO or a device was read once already (a second open would wait or find it empty).
            return null;
        }

        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path);
            long length = RandomAccess.GetLength(file);
            return Describe(head[..RandomAccess.Read(file, head, 0)], length, words);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }
}
