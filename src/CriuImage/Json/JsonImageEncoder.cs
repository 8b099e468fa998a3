using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Json;

/// <summary>
/// Turns a JSON interchange document into an image (crit-style encode). It accepts every document of the
/// shape, including values the analyzer will flag, and rejects with the line and column a number that is
/// negative, fractional or too large for its field, an unknown or duplicate key, a key of another
/// revision, and a missing field.
/// </summary>
public sealed class JsonImageEncoder
{
    private readonly ReadOnlyMemory<byte> _json;
    private readonly List<VmRecord> _mappings = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private JsonReaderState _state;
    private long _consumed;
    private bool _inBos;
    private bool _done;

    private JsonImageEncoder(ReadOnlyMemory<byte> json, ImageHeader header)
    {
        _json = json;
        Header = header;
    }

    /// <summary>The header the document describes.</summary>
    public ImageHeader Header { get; }

    /// <summary>Reads the document's header fields (first pass); BOs are read by <see cref="WriteBosAsync"/>.</summary>
    /// <exception cref="InterchangeException">The document is not valid JSON or its header part is not of the image shape.</exception>
    public static JsonImageEncoder Create(ReadOnlyMemory<byte> json)
    {
        var cursor = new JsonCursor(json.Span);
        return new JsonImageEncoder(json, ReadHeader(ref cursor));
    }

    /// <summary>Writes every BO of the document to <paramref name="writer"/>, flushing it as it goes; completing the image is the caller's.</summary>
    /// <exception cref="InterchangeException">A BO or mapping is not of the image shape.</exception>
    public async Task WriteBosAsync(ImageWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        while (!_done)
        {
            WriteSome(writer);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes BOs until the writer holds <see cref="ImageWriter.FlushThreshold"/> unflushed bytes or the BO array ends.</summary>
    private void WriteSome(ImageWriter writer)
    {
        var cursor = new JsonCursor(_json.Span, _consumed, _state);
        if (!_inBos)
        {
            SeekBos(ref cursor);
            _inBos = true;
        }

        while (writer.UnflushedBytes < ImageWriter.FlushThreshold)
        {
            cursor.Read();
            if (cursor.TokenType == JsonTokenType.EndArray)
            {
                _done = true;
                break;
            }

            BoRecord bo = ReadBo(ref cursor);
            writer.WriteBo(bo, CollectionsMarshal.AsSpan(_mappings));
        }

        _consumed = cursor.Consumed;
        _state = cursor.State;
    }

    private static ImageHeader ReadHeader(ref JsonCursor cursor)
    {
        cursor.Read();
        cursor.Expect(JsonTokenType.StartObject, "the document to be an object");
        AbiRevision? abi = null;
        MappingFlagsKind flags = MappingFlagsKind.Uapi;
        uint pageSize = ImageHeader.DefaultGpuPageSize;
        DeviceInfo? device = null;
        CaptureInfo? capture = null;
        bool hasBos = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (cursor.ReadKey(seen, "the document") is { } key)
        {
            switch (key)
            {
                case "abi":
                    string id = cursor.ReadString(key);
                    abi = AbiRevisionNames.TryParse(id, out AbiRevision revision)
                        ? revision
                        : throw cursor.Error($"abi \"{id}\" is not one of criu-2025-06, criu-v8, linux-6.18");
                    break;
                case "mapping_flags":
                    flags = cursor.ReadString(key) switch
                    {
                        "uapi" => MappingFlagsKind.Uapi,
                        "pte" => MappingFlagsKind.Pte,
                        var other => throw cursor.Error($"mapping_flags \"{other}\" is neither \"uapi\" nor \"pte\""),
                    };
                    break;
                case "gpu_page_size":
                    ulong size = cursor.ReadUInt64(key, uint.MaxValue);
                    pageSize = HeaderCodec.IsValidPageSize(size) ? (uint)size : throw cursor.Error($"gpu_page_size {size} is not a power of two from 4096 to 2^30");
                    break;
                case "device":
                    device = ReadDevice(ref cursor);
                    break;
                case "capture":
                    capture = ReadCapture(ref cursor);
                    break;
                case "bos":
                    hasBos = true;
                    cursor.Read();
                    cursor.Expect(JsonTokenType.StartArray, "bos to be an array");
                    cursor.Skip();
                    break;
                default:
                    throw cursor.Error($"unknown key \"{key}\" in the document (expected abi, mapping_flags, gpu_page_size, device, capture, bos)");
            }
        }

        if (abi is null || !hasBos)
        {
            throw cursor.Error($"the document lacks the required key \"{(abi is null ? "abi" : "bos")}\"");
        }

        return new ImageHeader(abi.Value, flags) { GpuPageSize = pageSize, Device = device, Capture = capture };
    }

    private static DeviceInfo ReadDevice(ref JsonCursor cursor)
    {
        cursor.Read();
        cursor.Expect(JsonTokenType.StartObject, "device to be an object");
        var device = new DeviceInfo();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (cursor.ReadKey(seen, "device") is { } key)
        {
            switch (key)
            {
                case "render_minor":
                    device = device with { RenderMinor = (uint)cursor.ReadUInt64(key, uint.MaxValue) };
                    break;
                case "pci_vendor_id":
                    device = device with { PciVendorId = (ushort)cursor.ReadUInt64(key, ushort.MaxValue) };
                    break;
                case "pci_device_id":
                    device = device with { PciDeviceId = (ushort)cursor.ReadUInt64(key, ushort.MaxValue) };
                    break;
                case "gc_ip_version":
                    string text = cursor.ReadString(key);
                    device = device with
                    {
                        GcIpVersion = IpVersion.TryParse(text, out IpVersion? ip) ? ip : throw cursor.Error($"gc_ip_version \"{text}\" is not MAJOR.MINOR.REVISION with each part 0..255"),
                    };
                    break;
                case "va_bits":
                    ulong bits = cursor.ReadUInt64(key, ulong.MaxValue);
                    device = device with { VaBits = HeaderCodec.IsValidVaBits(bits) ? (byte)bits : throw cursor.Error($"va_bits {bits} is outside 32..64") };
                    break;
                default:
                    throw cursor.Error($"unknown key \"{key}\" in device (expected render_minor, pci_vendor_id, pci_device_id, gc_ip_version, va_bits)");
            }
        }

        return device;
    }

    private static CaptureInfo ReadCapture(ref JsonCursor cursor)
    {
        cursor.Read();
        cursor.Expect(JsonTokenType.StartObject, "capture to be an object");
        var capture = new CaptureInfo();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (cursor.ReadKey(seen, "capture") is { } key)
        {
            switch (key)
            {
                case "time_ns":
                    capture = capture with { TimeNs = cursor.ReadUInt64(key, ulong.MaxValue) };
                    break;
                case "pid":
                    capture = capture with { Pid = (uint)cursor.ReadUInt64(key, uint.MaxValue) };
                    break;
                case "tool":
                    string tool = cursor.ReadString(key);
                    capture = capture with
                    {
                        Tool = Encoding.UTF8.GetByteCount(tool) <= FormatLimits.MaxStringBytes ? tool : throw cursor.Error($"tool is longer than {FormatLimits.MaxStringBytes} bytes of UTF-8"),
                    };
                    break;
                default:
                    throw cursor.Error($"unknown key \"{key}\" in capture (expected time_ns, pid, tool)");
            }
        }

        return capture;
    }

    /// <summary>Moves the cursor into the top-level "bos" array (the first pass checked that it exists and is one).</summary>
    private static void SeekBos(ref JsonCursor cursor)
    {
        cursor.Read();
        while (true)
        {
            cursor.Read();
            bool isBos = cursor.ValueIs("bos"u8);
            cursor.Read();
            if (isBos)
            {
                return;
            }

            cursor.Skip();
        }
    }

    private BoRecord ReadBo(ref JsonCursor cursor)
    {
        cursor.Expect(JsonTokenType.StartObject, "a BO object");
        long start = cursor.TokenStart;
        AbiRevision abi = Header.Abi;
        ulong? handle = null, size = null, offset = null, allocFlags = null, domains = null, flags = null, alignment = null;
        bool hasMappings = false;
        _mappings.Clear();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (cursor.ReadKey(seen, "a BO") is { } key)
        {
            switch (key)
            {
                case "gem_handle": handle = cursor.ReadUInt64(key, uint.MaxValue); break;
                case "size": size = cursor.ReadUInt64(key, ulong.MaxValue); break;
                case "offset": offset = cursor.ReadUInt64(key, ulong.MaxValue); break;
                case "alloc_flags": allocFlags = cursor.ReadUInt64(key, ulong.MaxValue); break;
                case "preferred_domains": domains = cursor.ReadUInt64(key, abi == AbiRevision.Linux6_18 ? ulong.MaxValue : uint.MaxValue); break;
                case "flags": flags = cursor.ReadUInt64(key, uint.MaxValue); break;
                case "alignment" when abi == AbiRevision.Linux6_18: alignment = cursor.ReadUInt64(key, ulong.MaxValue); break;
                case "alignment": throw cursor.Error($"\"alignment\" is not a field of a {abi.ToId()} BO (only linux-6.18 reports it)");
                case "mappings": hasMappings = true; ReadMappings(ref cursor); break;
                default: throw cursor.Error($"unknown key \"{key}\" in a {abi.ToId()} BO");
            }
        }

        string? missing =
            handle is null ? "gem_handle" : size is null ? "size" :
            offset is null && abi == AbiRevision.Criu2025_06 ? "offset" :
            allocFlags is null ? "alloc_flags" : domains is null ? "preferred_domains" : flags is null ? "flags" :
            alignment is null && abi == AbiRevision.Linux6_18 ? "alignment" : !hasMappings ? "mappings" : null;
        if (missing is not null)
        {
            throw cursor.ErrorAt(start, $"the {abi.ToId()} BO lacks the required key \"{missing}\"");
        }

        return new BoRecord((uint)handle!.Value, size!.Value, offset, allocFlags!.Value, domains!.Value, (uint)flags!.Value, alignment, (uint)_mappings.Count);
    }

    private void ReadMappings(ref JsonCursor cursor)
    {
        cursor.Read();
        cursor.Expect(JsonTokenType.StartArray, "mappings to be an array");
        bool bytes = Header.Abi.MappingsInBytes();
        string firstKey = bytes ? "addr" : "start";
        string secondKey = bytes ? "size" : "last";
        while (true)
        {
            cursor.Read();
            if (cursor.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            cursor.Expect(JsonTokenType.StartObject, "a mapping object");
            long start = cursor.TokenStart;
            ulong? first = null, second = null, offset = null, flags = null;
            _seen.Clear();
            while (cursor.ReadKey(_seen, "a mapping") is { } key)
            {
                if (key == firstKey)
                {
                    first = cursor.ReadUInt64(key, ulong.MaxValue);
                }
                else if (key == secondKey)
                {
                    second = cursor.ReadUInt64(key, ulong.MaxValue);
                }
                else if (key == "offset")
                {
                    offset = cursor.ReadUInt64(key, ulong.MaxValue);
                }
                else if (key == "flags")
                {
                    flags = cursor.ReadUInt64(key, ulong.MaxValue);
                }
                else
                {
                    string hint = key is "start" or "last" or "addr" or "size"
                        ? $"{Header.Abi.ToId()} mappings use \"{firstKey}\" and \"{secondKey}\""
                        : $"expected {firstKey}, {secondKey}, offset, flags";
                    throw cursor.Error($"unknown key \"{key}\" in a mapping ({hint})");
                }
            }

            string? missing = first is null ? firstKey : second is null ? secondKey : offset is null ? "offset" : flags is null ? "flags" : null;
            if (missing is not null)
            {
                throw cursor.ErrorAt(start, $"the mapping lacks the required key \"{missing}\"");
            }

            _mappings.Add(new VmRecord(first!.Value, second!.Value, offset!.Value, flags!.Value));
        }
    }
}
