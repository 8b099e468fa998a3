using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.IO;

namespace CriuImage.Json;

/// <summary>
/// Turns an image into the JSON interchange document (crit-style decode), streaming: one BO at a time, its
/// mappings one compact line each. Encoding the result with <see cref="JsonImageEncoder"/> gives back a
/// canonical image byte for byte.
/// </summary>
public static class JsonImageDecoder
{
    private const int FlushBytes = 64 * 1024;

    /// <summary>Reads the whole image from <paramref name="reader"/> and writes its JSON to <paramref name="output"/>.</summary>
    /// <exception cref="ImageFormatException">The image is damaged, or has ro_compat features a JSON document cannot carry.</exception>
    public static async Task DecodeAsync(ImageReader reader, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        ImageHeader header = reader.Header ?? await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (reader.Preamble.RoCompat != 0)
        {
            throw new ImageFormatException(16, $"the image has ro_compat features 0x{reader.Preamble.RoCompat:x8} that a JSON document would drop");
        }

        bool bytes = header.Abi.MappingsInBytes();
        await using var json = JsonOutput.Create(output);
        WriteHeader(json, header);
        json.WritePropertyName("bos");
        json.WriteStartArray();
        bool boOpen = false;
        while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryReadRecord(out RecordTag tag))
            {
                if (tag == RecordTag.Vm)
                {
                    WriteMapping(json, reader.CurrentVm, bytes);
                    continue;
                }

                if (boOpen)
                {
                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                WriteBoStart(json, reader.CurrentBo);
                boOpen = true;
            }

            if (json.BytesPending > FlushBytes)
            {
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (boOpen)
        {
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private static void WriteHeader(Utf8JsonWriter json, ImageHeader header)
    {
        json.WriteStartObject();
        json.WriteString("abi", header.Abi.ToId());
        json.WriteString("mapping_flags", header.MappingFlags == MappingFlagsKind.Pte ? "pte" : "uapi");
        json.WriteNumber("gpu_page_size", header.GpuPageSize);
        if (header.ImageId is { } id)
        {
            json.WriteString("image_id", ImageHeader.FormatImageId(id));
        }

        if (header.Device is { } device)
        {
            json.WriteStartObject("device");
            JsonOutput.WriteOptional(json, "render_minor", device.RenderMinor);
            JsonOutput.WriteOptional(json, "pci_vendor_id", device.PciVendorId);
            JsonOutput.WriteOptional(json, "pci_device_id", device.PciDeviceId);
            if (device.GcIpVersion is { } ip)
            {
                json.WriteString("gc_ip_version", ip.ToString());
            }

            JsonOutput.WriteOptional(json, "va_bits", device.VaBits);
            JsonOutput.WriteOptional(json, "gpu_id", device.GpuId);
            json.WriteEndObject();
        }

        if (header.Capture is { } capture)
        {
            json.WriteStartObject("capture");
            JsonOutput.WriteOptional(json, "time_ns", capture.TimeNs);
            JsonOutput.WriteOptional(json, "pid", capture.Pid);
            if (capture.Tool is { } tool)
            {
                json.WritePropertyName("tool");
                json.WriteRawValue(EscapeString(tool), skipInputValidation: true);
            }

            JsonOutput.WriteOptional(json, "criu_file_id", capture.CriuFileId);

            json.WriteEndObject();
        }
    }

    private static void WriteBoStart(Utf8JsonWriter json, in BoRecord bo)
    {
        json.WriteStartObject();
        json.WriteNumber("gem_handle", bo.GemHandle);
        json.WriteNumber("size", bo.Size);
        JsonOutput.WriteOptional(json, "offset", bo.Offset);
        json.WriteNumber("alloc_flags", bo.AllocFlags);
        json.WriteNumber("preferred_domains", bo.PreferredDomains);
        json.WriteNumber("flags", bo.Flags);
        JsonOutput.WriteOptional(json, "alignment", bo.Alignment);
        JsonOutput.WriteOptional(json, "addr", bo.Addr);
        json.WritePropertyName("mappings");
        json.WriteStartArray();
    }

    private static void WriteMapping(Utf8JsonWriter json, in VmRecord vm, bool bytes)
    {
        // One compact line per mapping, indented under its BO: a million mappings stay a million lines.
        Span<byte> line = stackalloc byte[160];
        bool written = bytes
            ? System.Text.Unicode.Utf8.TryWrite(line, $"\n        {{\"addr\": {vm.Addr}, \"size\": {vm.Size}, \"offset\": {vm.Offset}, \"flags\": {vm.Flags}}}", out int length)
            : System.Text.Unicode.Utf8.TryWrite(line, $"\n        {{\"start\": {vm.Start}, \"last\": {vm.Last}, \"offset\": {vm.Offset}, \"flags\": {vm.Flags}}}", out length);
        if (!written)
        {
            throw new InvalidOperationException("a mapping line outgrew its buffer");
        }

        json.WriteRawValue(line[..length], skipInputValidation: true);
    }

    /// <summary>
    /// A JSON string as FORMAT.md section 10 specifies: UTF-8 as it is, with only <c>"</c> and <c>\</c>
    /// escaped by a backslash and U+0000-U+001F and U+007F as <c>\u00xx</c> (lower-case hex), so the text is
    /// readable and the same whichever JSON library wrote it.
    /// </summary>
    private static byte[] EscapeString(string value)
    {
        var text = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' or '\\' => text.Append('\\').Append(c),
                < ' ' or '\u007f' => text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        return System.Text.Encoding.UTF8.GetBytes(text.Append('"').ToString());
    }
}
