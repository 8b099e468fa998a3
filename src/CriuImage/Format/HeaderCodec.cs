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
        var writer = new MessagePackWriter(destination);
        writer.WriteMapHeader((uint)(3 + (header.Device is null ? 0 : 1) + (header.Capture is null ? 0 : 1)));
        writer.WriteString("abi"u8);
        writer.WriteString(header.Abi.ToId());
        writer.WriteString("mapping_flags"u8);
        writer.WriteString(header.MappingFlags == MappingFlagsKind.Pte ? "pte"u8 : "uapi"u8);
        writer.WriteString("gpu_page_size"u8);
        writer.WriteUInt64(header.GpuPageSize);
        if (header.Device is { } device)
        {
            writer.WriteString("device"u8);
            writer.WriteMapHeader((uint)(Count(device.RenderMinor) + Count(device.PciVendorId) + Count(device.PciDeviceId) + Count(device.GcIpVersion) + Count(device.VaBits)));
            WriteOptional(ref writer, "render_minor"u8, device.RenderMinor);
            WriteOptional(ref writer, "pci_vendor_id"u8, device.PciVendorId);
            WriteOptional(ref writer, "pci_device_id"u8, device.PciDeviceId);
            if (device.GcIpVersion is { } ip)
            {
                writer.WriteString("gc_ip_version"u8);
                writer.WriteString(ip.ToString());
            }

            WriteOptional(ref writer, "va_bits"u8, device.VaBits);
        }

        if (header.Capture is { } capture)
        {
            writer.WriteString("capture"u8);
            writer.WriteMapHeader((uint)(Count(capture.TimeNs) + Count(capture.Pid) + (capture.Tool is null ? 0 : 1)));
            WriteOptional(ref writer, "time_ns"u8, capture.TimeNs);
            WriteOptional(ref writer, "pid"u8, capture.Pid);
            if (capture.Tool is { } tool)
            {
                writer.WriteString("tool"u8);
                writer.WriteString(tool);
            }
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

    /// <summary>Decodes and checks the header map; <paramref name="imageMinor"/> decides whether unknown keys are skipped.</summary>
    public static ImageHeader Read(ref MessagePackReader reader, ushort imageMinor)
    {
        bool skipUnknown = imageMinor > FormatLimits.MinorVersion;
        long start = reader.Offset;
        int entries = reader.ReadMapHeader("the header map");
        if (entries > FormatLimits.MaxHeaderEntries)
        {
            throw reader.ErrorAt(start, $"the header map has {entries} entries, more than the limit of {FormatLimits.MaxHeaderEntries}");
        }

        AbiRevision? abi = null;
        MappingFlagsKind? flags = null;
        uint? pageSize = null;
        DeviceInfo? device = null;
        CaptureInfo? capture = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entries; i++)
        {
            long keyAt = reader.Offset;
            string key = reader.ReadString("a header key", FormatLimits.MaxStringBytes);
            if (!seen.Add(key))
            {
                throw reader.ErrorAt(keyAt, $"the header key \"{key}\" appears twice");
            }

            long valueAt = reader.Offset;
            switch (key)
            {
                case "abi":
                    string id = reader.ReadString("abi", FormatLimits.MaxStringBytes);
                    abi = AbiRevisionNames.TryParse(id, out AbiRevision revision)
                        ? revision
                        : throw reader.ErrorAt(valueAt, $"abi \"{id}\" is not one of criu-2025-06, criu-v8, linux-6.18");
                    break;
                case "mapping_flags":
                    string kind = reader.ReadString("mapping_flags", FormatLimits.MaxStringBytes);
                    flags = kind switch
                    {
                        "uapi" => MappingFlagsKind.Uapi,
                        "pte" => MappingFlagsKind.Pte,
                        _ => throw reader.ErrorAt(valueAt, $"mapping_flags \"{kind}\" is neither \"uapi\" nor \"pte\""),
                    };
                    break;
                case "gpu_page_size":
                    ulong size = reader.ReadUInt64("gpu_page_size");
                    pageSize = IsValidPageSize(size) ? (uint)size : throw reader.ErrorAt(valueAt, $"gpu_page_size {size} is not a power of two from 4096 to 2^30");
                    break;
                case "device":
                    device = ReadDevice(ref reader, skipUnknown);
                    break;
                case "capture":
                    capture = ReadCapture(ref reader, skipUnknown);
                    break;
                default:
                    SkipUnknown(ref reader, keyAt, "header", key, skipUnknown);
                    break;
            }
        }

        if (abi is null || flags is null || pageSize is null)
        {
            string missing = abi is null ? "abi" : flags is null ? "mapping_flags" : "gpu_page_size";
            throw reader.ErrorAt(start, $"the header map lacks the required key \"{missing}\"");
        }

        return new ImageHeader(abi.Value, flags.Value) { GpuPageSize = pageSize.Value, Device = device, Capture = capture };
    }

    private static DeviceInfo ReadDevice(ref MessagePackReader reader, bool skipUnknown)
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
                            : throw reader.ErrorAt(valueAt, $"device.gc_ip_version \"{text}\" is not MAJOR.MINOR.REVISION with each part 0..255"),
                    };
                    break;
                case "va_bits":
                    ulong bits = reader.ReadUInt64("device.va_bits");
                    device = device with { VaBits = IsValidVaBits(bits) ? (byte)bits : throw reader.ErrorAt(valueAt, $"device.va_bits {bits} is outside 32..64") };
                    break;
                default:
                    SkipUnknown(ref reader, keyAt, "device", key, skipUnknown);
                    break;
            }
        }

        return device;
    }

    private static CaptureInfo ReadCapture(ref MessagePackReader reader, bool skipUnknown)
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
        return seen.Add(key) ? key : throw reader.ErrorAt(keyAt, $"the {map} key \"{key}\" appears twice");
    }

    private static void SkipUnknown(ref MessagePackReader reader, long keyAt, string map, string key, bool skipUnknown)
    {
        if (!skipUnknown)
        {
            throw reader.ErrorAt(keyAt, $"unknown {map} key \"{key}\" in an image of format 1.{FormatLimits.MinorVersion}");
        }

        reader.Skip($"the value of {map} key \"{key}\"", FormatLimits.MaxNestingDepth);
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
