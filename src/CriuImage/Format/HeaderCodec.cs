using System.Text;
using CriuImage.Abi;
using CriuImage.MessagePack;

namespace CriuImage.Format;

/// <summary>Encodes and decodes the header map of FORMAT.md section 4.</summary>
internal static class HeaderCodec
{
    /// <summary>Bound on an encoded header: a few dozen keys and small values, plus two str values of at most 256 bytes.</summary>
    public const int MaxLength = 2048;

    /// <summary>Encodes <paramref name="header"/> with its keys in canonical order; returns the length.</summary>
    /// <exception cref="ArgumentException">A value is outside the range FORMAT.md allows.</exception>
    public static int Write(Span<byte> destination, ImageHeader header)
    {
        Validate(header);
        Span<byte> id = stackalloc byte[FormatLimits.ImageIdBytes];
        var writer = new MessagePackWriter(destination);
        writer.WriteMapHeader((uint)(3 + (header.ImageId is null ? 0 : 1) + (header.Device is null ? 0 : 1) + (header.Capture is null ? 0 : 1)));
        writer.WriteString("abi"u8);
        writer.WriteString(header.Abi.ToId());
        writer.WriteString("mapping_flags"u8);
        writer.WriteString(header.MappingFlags == MappingFlagsKind.Pte ? "pte"u8 : "uapi"u8);
        writer.WriteString("gpu_page_size"u8);
        writer.WriteUInt64(header.GpuPageSize);
        if (header.ImageId is { } imageId)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(id, imageId);
            writer.WriteString("image_id"u8);
            writer.WriteBinary(id);
        }

        if (header.Device is { } device)
        {
            writer.WriteString("device"u8);
            writer.WriteMapHeader((uint)(Count(device.RenderMinor) + Count(device.PciVendorId) + Count(device.PciDeviceId) + Count(device.GcIpVersion) + Count(device.VaBits) + Count(device.GpuId)));
            WriteOptional(ref writer, "render_minor"u8, device.RenderMinor);
            WriteOptional(ref writer, "pci_vendor_id"u8, device.PciVendorId);
            WriteOptional(ref writer, "pci_device_id"u8, device.PciDeviceId);
            if (device.GcIpVersion is { } ip)
            {
                writer.WriteString("gc_ip_version"u8);
                writer.WriteString(ip.ToString());
            }

            WriteOptional(ref writer, "va_bits"u8, device.VaBits);
            WriteOptional(ref writer, "gpu_id"u8, device.GpuId);
        }

        if (header.Capture is { } capture)
        {
            writer.WriteString("capture"u8);
            writer.WriteMapHeader((uint)(Count(capture.TimeNs) + Count(capture.Pid) + (capture.Tool is null ? 0 : 1) + Count(capture.CriuFileId)));
            WriteOptional(ref writer, "time_ns"u8, capture.TimeNs);
            WriteOptional(ref writer, "pid"u8, capture.Pid);
            if (capture.Tool is { } tool)
            {
                writer.WriteString("tool"u8);
                writer.WriteString(tool);
            }

            WriteOptional(ref writer, "criu_file_id"u8, capture.CriuFileId);
        }

        return writer.Written;
    }

    /// <summary>Checks what the type system does not: page size, VA bits and the tool string's length.</summary>
    /// <exception cref="ArgumentException">A value FORMAT.md does not allow.</exception>
    public static void Validate(ImageHeader header)
    {
        if (!Enum.IsDefined(header.Abi))
        {
            throw new ArgumentException($"ABI revision {header.Abi} is not defined", nameof(header));
        }

        if (!IsValidPageSize(header.GpuPageSize))
        {
            throw new ArgumentException($"GPU page size {header.GpuPageSize} is not a power of two from 4096 to 2^30", nameof(header));
        }

        if (header.Device?.VaBits is { } bits && !IsValidVaBits(bits))
        {
            throw new ArgumentException($"va_bits {bits} is outside 32..64", nameof(header));
        }

        if (header.Capture?.Tool is { } tool && Encoding.UTF8.GetByteCount(tool) > FormatLimits.MaxStringBytes)
        {
            throw new ArgumentException($"the tool string is longer than {FormatLimits.MaxStringBytes} bytes of UTF-8", nameof(header));
        }
    }

    /// <summary>True for a power of two from 4096 to 2^30.</summary>
    public static bool IsValidPageSize(ulong size) => size is >= 4096 and <= 1u << 30 && (size & (size - 1)) == 0;

    /// <summary>True for 32..64.</summary>
    public static bool IsValidVaBits(ulong bits) => bits is >= 32 and <= 64;

    /// <summary>
    /// Decodes and checks the header map; the preamble's minor version decides whether unknown keys are skipped,
    /// its features whether <c>image_id</c> is required (1.1) or refused (1.0).
    /// </summary>
    public static ImageHeader Read(ref MessagePackReader reader, Preamble preamble)
    {
        bool skipUnknown = preamble.Minor > FormatLimits.MinorVersion;
        long start = reader.Offset;
        int entries = reader.ReadMapHeader("the header map");
        if (entries > FormatLimits.MaxHeaderEntries)
        {
            throw reader.ErrorAt(start, $"the header map has {entries} entries, more than the limit of {FormatLimits.MaxHeaderEntries}");
        }

        AbiRevision? abi = null;
        MappingFlagsKind? flags = null;
        uint? pageSize = null;
        UInt128? imageId = null;
        DeviceInfo? device = null;
        CaptureInfo? capture = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entries; i++)
        {
            long keyAt = reader.Offset;
            string key = reader.ReadString("a header key", FormatLimits.MaxStringBytes);
            if (!seen.Add(key))
            {
                throw reader.ErrorAt(keyAt, $"the header key \"{Quote.Text(key)}\" appears twice");
            }

            long valueAt = reader.Offset;
            switch (key)
            {
                case "abi":
                    string abiId = reader.ReadString("abi", FormatLimits.MaxStringBytes);
                    abi = AbiRevisionNames.TryParse(abiId, out AbiRevision revision)
                        ? revision
                        : throw reader.ErrorAt(valueAt, $"abi \"{Quote.Text(abiId)}\" is not one of criu-2025-06, criu-v8, linux-6.18");
                    break;
                case "mapping_flags":
                    string kind = reader.ReadString("mapping_flags", FormatLimits.MaxStringBytes);
                    flags = kind switch
                    {
                        "uapi" => MappingFlagsKind.Uapi,
                        "pte" => MappingFlagsKind.Pte,
                        _ => throw reader.ErrorAt(valueAt, $"mapping_flags \"{Quote.Text(kind)}\" is neither \"uapi\" nor \"pte\""),
                    };
                    break;
                case "gpu_page_size":
                    ulong size = reader.ReadUInt64("gpu_page_size");
                    pageSize = IsValidPageSize(size) ? (uint)size : throw reader.ErrorAt(valueAt, $"gpu_page_size {size} is not a power of two from 4096 to 2^30");
                    break;
                case "image_id" when preamble.HasImageId:
                    ReadOnlySpan<byte> id = reader.ReadBinary("image_id");
                    imageId = id.Length == FormatLimits.ImageIdBytes
                        ? System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(id)
                        : throw reader.ErrorAt(valueAt, $"image_id is a bin of {id.Length} bytes, not {FormatLimits.ImageIdBytes}");
                    break;
                case "image_id":
                    throw reader.ErrorAt(keyAt, "the header key \"image_id\" needs the incompat feature 0x1 (format 1.1), which the preamble does not set");
                case "device":
                    device = ReadDevice(ref reader, preamble, skipUnknown);
                    break;
                case "capture":
                    capture = ReadCapture(ref reader, preamble, skipUnknown);
                    break;
                default:
                    SkipUnknown(ref reader, keyAt, "header", key, skipUnknown);
                    break;
            }
        }

        if (abi is null || flags is null || pageSize is null || (imageId is null && preamble.HasImageId))
        {
            string missing = abi is null ? "abi" : flags is null ? "mapping_flags" : pageSize is null ? "gpu_page_size" : "image_id";
            throw reader.ErrorAt(start, $"the header map lacks the required key \"{missing}\"");
        }

        return new ImageHeader(abi.Value, flags.Value) { GpuPageSize = pageSize.Value, ImageId = imageId, Device = device, Capture = capture };
    }

    private static DeviceInfo ReadDevice(ref MessagePackReader reader, Preamble preamble, bool skipUnknown)
    {
        var device = new DeviceInfo();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int entries = ReadNestedMap(ref reader, "device");
        for (int i = 0; i < entries; i++)
        {
            long keyAt = reader.Offset;
            string key = ReadNestedKey(ref reader, seen, "device");
            long valueAt = reader.Offset;
            switch (key)
            {
                case "render_minor":
                    device = device with { RenderMinor = reader.ReadUInt32("device.render_minor") };
                    break;
                case "pci_vendor_id":
                    device = device with { PciVendorId = (ushort)reader.ReadUInt64("device.pci_vendor_id", ushort.MaxValue) };
                    break;
                case "pci_device_id":
                    device = device with { PciDeviceId = (ushort)reader.ReadUInt64("device.pci_device_id", ushort.MaxValue) };
                    break;
                case "gc_ip_version":
                    string text = reader.ReadString("device.gc_ip_version", FormatLimits.MaxStringBytes);
                    device = device with
                    {
                        GcIpVersion = IpVersion.TryParse(text, out IpVersion? ip)
                            ? ip
                            : throw reader.ErrorAt(valueAt, $"device.gc_ip_version \"{Quote.Text(text)}\" is not MAJOR.MINOR.REVISION with each part 0..255"),
                    };
                    break;
                case "va_bits":
                    ulong bits = reader.ReadUInt64("device.va_bits");
                    device = device with { VaBits = IsValidVaBits(bits) ? (byte)bits : throw reader.ErrorAt(valueAt, $"device.va_bits {bits} is outside 32..64") };
                    break;
                case "gpu_id" when preamble.Minor >= 1:
                    device = device with { GpuId = reader.ReadUInt32("device.gpu_id") };
                    break;
                default:
                    SkipUnknown(ref reader, keyAt, "device", key, skipUnknown);
                    break;
            }
        }

        return device;
    }

    private static CaptureInfo ReadCapture(ref MessagePackReader reader, Preamble preamble, bool skipUnknown)
    {
        var capture = new CaptureInfo();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int entries = ReadNestedMap(ref reader, "capture");
        for (int i = 0; i < entries; i++)
        {
            long keyAt = reader.Offset;
            string key = ReadNestedKey(ref reader, seen, "capture");
            switch (key)
            {
                case "time_ns":
                    capture = capture with { TimeNs = reader.ReadUInt64("capture.time_ns") };
                    break;
                case "pid":
                    capture = capture with { Pid = reader.ReadUInt32("capture.pid") };
                    break;
                case "tool":
                    capture = capture with { Tool = reader.ReadString("capture.tool", FormatLimits.MaxStringBytes) };
                    break;
                case "criu_file_id" when preamble.Minor >= 1:
                    capture = capture with { CriuFileId = reader.ReadUInt32("capture.criu_file_id") };
                    break;
                default:
                    SkipUnknown(ref reader, keyAt, "capture", key, skipUnknown);
                    break;
            }
        }

        return capture;
    }

    private static int ReadNestedMap(ref MessagePackReader reader, string name)
    {
        long start = reader.Offset;
        int entries = reader.ReadMapHeader(name);
        return entries <= FormatLimits.MaxHeaderEntries
            ? entries
            : throw reader.ErrorAt(start, $"the {name} map has {entries} entries, more than the limit of {FormatLimits.MaxHeaderEntries}");
    }

    private static string ReadNestedKey(ref MessagePackReader reader, HashSet<string> seen, string map)
    {
        long keyAt = reader.Offset;
        string key = reader.ReadString($"a {map} key", FormatLimits.MaxStringBytes);
        return seen.Add(key) ? key : throw reader.ErrorAt(keyAt, $"the {map} key \"{Quote.Text(key)}\" appears twice");
    }

    private static void SkipUnknown(ref MessagePackReader reader, long keyAt, string map, string key, bool skipUnknown)
    {
        if (!skipUnknown)
        {
            throw reader.ErrorAt(keyAt, $"unknown {map} key \"{Quote.Text(key)}\" in an image of format 1.{FormatLimits.MinorVersion} or older");
        }

        SkipValue(ref reader, $"the value of {map} key \"{Quote.Text(key)}\"", map == "header" ? 2 : 3);
    }

    /// <summary>
    /// Skips a value under the rules every header value obeys (FORMAT.md section 9): only the values of
    /// section 8's subset, str at most 256 bytes of valid UTF-8, maps of at most 64 entries, and no map or
    /// array deeper than 8 (<paramref name="depth"/> is the depth this value would have as a map or array).
    /// Errors are reported at the offending value.
    /// </summary>
    private static void SkipValue(ref MessagePackReader reader, string what, int depth)
    {
        long start = reader.Offset;
        int code = reader.PeekCode;
        switch (code)
        {
            case MessagePackCode.Nil:
                reader.TryReadNil();
                return;
            case MessagePackCode.False or MessagePackCode.True:
                reader.ReadBoolean(what);
                return;
            case (>= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr) or MessagePackCode.Str8 or MessagePackCode.Str16 or MessagePackCode.Str32:
                reader.ReadString(what, FormatLimits.MaxStringBytes);
                return;
            case MessagePackCode.Bin8 or MessagePackCode.Bin16 or MessagePackCode.Bin32:
                reader.ReadBinary(what);
                return;
            case (>= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray) or MessagePackCode.Array16 or MessagePackCode.Array32:
                CheckDepth(ref reader, start, what, depth);
                int elements = reader.ReadArrayHeader(what);
                for (int i = 0; i < elements; i++)
                {
                    SkipValue(ref reader, what, depth + 1);
                }

                return;
            case (>= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap) or MessagePackCode.Map16 or MessagePackCode.Map32:
                CheckDepth(ref reader, start, what, depth);
                int entries = reader.ReadMapHeader(what);
                if (entries > FormatLimits.MaxHeaderEntries)
                {
                    throw reader.ErrorAt(start, $"{what} is a map of {entries} entries, more than the limit of {FormatLimits.MaxHeaderEntries}");
                }

                for (int i = 0; i < 2 * entries; i++)
                {
                    SkipValue(ref reader, what, depth + 1);
                }

                return;
            default:
                // Integers, and everything outside the subset: ReadUInt64 accepts every unsigned form and
                // names what it found otherwise (a negative integer, a float, an ext, 0xc1, the payload's end).
                reader.ReadUInt64(what);
                return;
        }
    }

    private static void CheckDepth(ref MessagePackReader reader, long start, string what, int depth)
    {
        if (depth > FormatLimits.MaxNestingDepth)
        {
            throw reader.ErrorAt(start, $"{what} nests a map or array at depth {depth}, deeper than the limit of {FormatLimits.MaxNestingDepth} (the header map is depth 1)");
        }
    }

    private static int Count<T>(T? value)
        where T : struct => value is null ? 0 : 1;

    private static void WriteOptional(ref MessagePackWriter writer, ReadOnlySpan<byte> key, ulong? value)
    {
        if (value is { } v)
        {
            writer.WriteString(key);
            writer.WriteUInt64(v);
        }
    }
}
