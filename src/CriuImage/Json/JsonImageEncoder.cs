using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Diagnostics;
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
    private static readonly string[] DocumentKeys = ["abi", "mapping_flags", "gpu_page_size", "image_id", "device", "capture", "bos"];
    private static readonly string[] DeviceKeys = ["render_minor", "pci_vendor_id", "pci_device_id", "gc_ip_version", "va_bits", "gpu_id"];
    private static readonly string[] CaptureKeys = ["time_ns", "pid", "tool", "criu_file_id"];

    private readonly Stream _input;
    private readonly List<VmRecord> _mappings = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly JsonSource _source;
    private readonly RemedyWords _words;
    private bool _inBos;
    private bool _done;

    private JsonImageEncoder(Stream input, JsonSource source, ImageHeader header, bool inBos, RemedyWords words)
    {
        _input = input;
        _words = words;
        _source = source;
        Header = header;
        _inBos = inBos;
    }

    /// <summary>The header the document describes.</summary>
    public ImageHeader Header { get; }

    /// <summary>Reads the header fields of a document held in memory; BOs are read by <see cref="WriteBosAsync"/>.</summary>
    /// <exception cref="InterchangeException">The document is not valid JSON or its header part is not of the image shape.</exception>
    public static JsonImageEncoder Create(ReadOnlyMemory<byte> json) =>
        Create(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(json, out ArraySegment<byte> array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false)
            : new MemoryStream(json.ToArray(), writable: false));

    /// <summary>
    /// Reads the header fields of the document in <paramref name="json"/>, which is read in bounded pieces
    /// (a document of any size, memory bounded by <see cref="JsonSource.MaxToken"/>). A seekable stream is read
    /// twice, so its keys may come in any order; from one that cannot seek (a pipe) the header keys must come
    /// before <c>bos</c>, as <c>decode</c> writes them. BOs are read by <see cref="WriteBosAsync"/>.
    /// </summary>
    /// <exception cref="InterchangeException">The document is not valid JSON or its header part is not of the image shape.</exception>
    public static JsonImageEncoder Create(Stream json) => Create(json, RemedyWords.Library);

    /// <summary>As <see cref="Create(Stream)"/>, naming what writes the header keys first in the caller's <paramref name="words"/>.</summary>
    internal static JsonImageEncoder Create(Stream json, RemedyWords words)
    {
        ArgumentNullException.ThrowIfNull(json);
        long start = json.CanSeek ? json.Position : 0;
        var source = new JsonSource(json);
        var cursor = new JsonCursor(source);
        ImageHeader header = ReadHeader(ref cursor, stopAtBos: !json.CanSeek, words);
        cursor.Save();
        if (!json.CanSeek)
        {
            return new JsonImageEncoder(json, source, header, inBos: true, words);
        }

        json.Position = start;
        return new JsonImageEncoder(json, new JsonSource(json), header, inBos: false, words);
    }

    /// <summary>Writes every BO of the document to <paramref name="writer"/>, flushing it as it goes; completing the image is the caller's.</summary>
    /// <exception cref="InterchangeException">A BO or mapping is not of the image shape, or text follows the document.</exception>
    public async Task WriteBosAsync(ImageWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        while (!_done)
        {
            WriteSome(writer);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes BOs until the writer holds <see cref="ImageWriter.FlushThreshold"/> unflushed bytes or the document ends.</summary>
    private void WriteSome(ImageWriter writer)
    {
        var cursor = new JsonCursor(_source);
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
                FinishDocument(ref cursor);
                _done = true;
                break;
            }

            BoRecord bo = ReadBo(ref cursor);
            writer.WriteBo(bo, CollectionsMarshal.AsSpan(_mappings));
        }

        cursor.Save();
    }

    /// <summary>After the BO array: the rest of the top-level object (checked by the first pass, or refused from a pipe), then the end of the input.</summary>
    private void FinishDocument(ref JsonCursor cursor)
    {
        while (true)
        {
            cursor.Read();
            if (cursor.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (!_input.CanSeek)
            {
                throw cursor.Error($"a key after \"bos\": when the document comes from a pipe, its header keys must come before \"bos\" ({_words.For(Remedy.HeaderKeysFirst)})");
            }

            cursor.Read();
            cursor.SkipValue();
        }

        cursor.ExpectEnd();
    }

    private static ImageHeader ReadHeader(ref JsonCursor cursor, bool stopAtBos, RemedyWords words)
    {
        cursor.Read();
        cursor.Expect(JsonTokenType.StartObject, "the document to be an object");
        AbiRevision? abi = null;
        MappingFlagsKind flags = MappingFlagsKind.Uapi;
        uint pageSize = ImageHeader.DefaultGpuPageSize;
        UInt128? imageId = null;
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
                        : throw cursor.Error($"abi \"{Quote.Text(id)}\" is not one of criu-2025-06, criu-v8, linux-6.18");
                    break;
                case "mapping_flags":
                    flags = cursor.ReadString(key) switch
                    {
                        "uapi" => MappingFlagsKind.Uapi,
                        "pte" => MappingFlagsKind.Pte,
                        var other => throw cursor.Error($"mapping_flags \"{Quote.Text(other)}\" is neither \"uapi\" nor \"pte\""),
                    };
                    break;
                case "gpu_page_size":
                    ulong size = cursor.ReadUInt64(key, uint.MaxValue);
                    pageSize = HeaderCodec.IsValidPageSize(size) ? (uint)size : throw cursor.Error($"gpu_page_size {size} is not a power of two from 4096 to 2^30");
                    break;
                case "image_id":
                    string hex = cursor.ReadString(key);
                    imageId = hex.Length == 2 * FormatLimits.ImageIdBytes && hex.All(char.IsAsciiHexDigitLower)
                        ? UInt128.Parse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture)
                        : throw cursor.Error($"image_id \"{Quote.Text(hex)}\" is not 32 lower-case hexadecimal digits");
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
                    if (stopAtBos)
                    {
                        return abi is null
                            ? throw cursor.Error($"the document lacks the required key \"abi\" before \"bos\": when the document comes from a pipe, its header keys must come before \"bos\" ({words.For(Remedy.HeaderKeysFirst)})")
                            : new ImageHeader(abi.Value, flags) { GpuPageSize = pageSize, ImageId = imageId, Device = device, Capture = capture };
                    }

                    cursor.SkipValue();
                    break;
                default:
                    throw cursor.Error(UnknownKey(key, "the document", DocumentKeys));
            }
        }

        if (abi is null || !hasBos)
        {
            throw cursor.Error($"the document lacks the required key \"{(abi is null ? "abi" : "bos")}\"");
        }

        cursor.ExpectEnd();
        return new ImageHeader(abi.Value, flags) { GpuPageSize = pageSize, ImageId = imageId, Device = device, Capture = capture };
    }

    /// <summary>"unknown key", with the closest known key when one is a likely typo.</summary>
    private static string UnknownKey(string key, string where, string[] known)
    {
        string? close = Suggest(key, known);
        string hint = close is null ? $"expected {string.Join(", ", known)}" : $"did you mean \"{close}\"?";
        return $"unknown key \"{Quote.Text(key)}\" in {where} ({hint})";
    }

    /// <summary>The known key within edit distance 2 of <paramref name="key"/> (1 for short keys), if any.</summary>
    internal static string? Suggest(string key, IEnumerable<string> known)
    {
        if (key.Length > 64)
        {
            return null;
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int distance = EditDistance(key, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return bestDistance <= (Math.Min(key.Length, best?.Length ?? 0) <= 4 ? 1 : 2) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        // Optimal string alignment: insertions, deletions, substitutions and adjacent transpositions cost 1.
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
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
                        GcIpVersion = IpVersion.TryParse(text, out IpVersion? ip) ? ip : throw cursor.Error($"gc_ip_version \"{Quote.Text(text)}\" is not MAJOR.MINOR.REVISION with each part 0..255"),
                    };
                    break;
                case "va_bits":
                    ulong bits = cursor.ReadUInt64(key, ulong.MaxValue);
                    device = device with { VaBits = HeaderCodec.IsValidVaBits(bits) ? (byte)bits : throw cursor.Error($"va_bits {bits} is outside 32..64") };
                    break;
                case "gpu_id":
                    device = device with { GpuId = (uint)cursor.ReadUInt64(key, uint.MaxValue) };
                    break;
                default:
                    throw cursor.Error(UnknownKey(key, "device", DeviceKeys));
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
                case "criu_file_id":
                    capture = capture with { CriuFileId = (uint)cursor.ReadUInt64(key, uint.MaxValue) };
                    break;
                case "tool":
                    string tool = cursor.ReadString(key);
                    capture = capture with
                    {
                        Tool = Encoding.UTF8.GetByteCount(tool) <= FormatLimits.MaxStringBytes ? tool : throw cursor.Error($"tool is longer than {FormatLimits.MaxStringBytes} bytes of UTF-8"),
                    };
                    break;
                default:
                    throw cursor.Error(UnknownKey(key, "capture", CaptureKeys));
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

            cursor.SkipValue();
        }
    }

    private BoRecord ReadBo(ref JsonCursor cursor)
    {
        cursor.Expect(JsonTokenType.StartObject, "a BO object");
        (long Line, long Column) start = cursor.Mark();
        AbiRevision abi = Header.Abi;
        ulong? handle = null, size = null, offset = null, allocFlags = null, domains = null, flags = null, alignment = null, addr = null;
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
                case "addr": addr = cursor.ReadUInt64(key, ulong.MaxValue); break;
                case "mappings": hasMappings = true; ReadMappings(ref cursor); break;
                default: throw cursor.Error(UnknownKey(key, $"a {abi.ToId()} BO", BoKeys(abi)));
            }
        }

        string? missing =
            handle is null ? "gem_handle" : size is null ? "size" :
            offset is null && abi == AbiRevision.Criu2025_06 ? "offset" :
            allocFlags is null ? "alloc_flags" : domains is null ? "preferred_domains" : flags is null ? "flags" :
            alignment is null && abi == AbiRevision.Linux6_18 ? "alignment" : !hasMappings ? "mappings" : null;
        if (missing is not null)
        {
            throw new InterchangeException(start.Line, start.Column, $"the {abi.ToId()} BO lacks the required key \"{missing}\"");
        }

        return new BoRecord((uint)handle!.Value, size!.Value, offset, allocFlags!.Value, domains!.Value, (uint)flags!.Value, alignment, (uint)_mappings.Count) { Addr = addr };
    }

    private static string[] BoKeys(AbiRevision abi) => abi == AbiRevision.Linux6_18
        ? ["gem_handle", "size", "offset", "alloc_flags", "preferred_domains", "flags", "alignment", "addr", "mappings"]
        : ["gem_handle", "size", "offset", "alloc_flags", "preferred_domains", "flags", "addr", "mappings"];

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
            (long Line, long Column) start = cursor.Mark();
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
                        : Suggest(key, [firstKey, secondKey, "offset", "flags"]) is { } close ? $"did you mean \"{close}\"?" : $"expected {firstKey}, {secondKey}, offset, flags";
                    throw cursor.Error($"unknown key \"{Quote.Text(key)}\" in a mapping ({hint})");
                }
            }

            string? missing = first is null ? firstKey : second is null ? secondKey : offset is null ? "offset" : flags is null ? "flags" : null;
            if (missing is not null)
            {
                throw new InterchangeException(start.Line, start.Column, $"the mapping lacks the required key \"{missing}\"");
            }

            _mappings.Add(new VmRecord(first!.Value, second!.Value, offset!.Value, flags!.Value));
        }
    }
}
