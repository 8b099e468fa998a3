using System.Text.Json;
using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.IO;

namespace CriuImage.Reporting;

/// <summary>
/// CRIU amdgpu files as JSON, crit-style: <c>{"kind", "revision":[...], "header", "stale_bytes",
/// "message":{...}}</c> with every field of the revision's schema under its .proto name (bytes as base64,
/// repeated fields as arrays). Contents files give their header and length only.
/// </summary>
internal static class CriuJsonWriter
{
    /// <summary>Writes <paramref name="file"/> as one indented JSON document.</summary>
    public static void Write(CriuDumpFile file, Stream output)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(output);
        using var json = JsonOutput.Create(output);
        WriteFile(json, file, path: null);
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>
    /// Writes the CRIU files of a dump folder or archive as one document, <c>{"files":[{"path", "kind", ...}],
    /// "skipped":[{"path", "reason"}]}</c>: each file as <see cref="Write(CriuDumpFile, Stream)"/> gives it, with
    /// its path first; a file CRIU could not read has <c>"error"</c> in place of its message.
    /// </summary>
    public static void WriteFiles(IReadOnlyList<CriuDumpFile> files, IReadOnlyList<(string Path, string Reason)> skipped, Stream output)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(skipped);
        ArgumentNullException.ThrowIfNull(output);
        using var json = JsonOutput.Create(output);
        json.WriteStartObject();
        json.WriteStartArray("files");
        foreach (CriuDumpFile file in files)
        {
            WriteFile(json, file, file.Input.Path);
        }

        json.WriteEndArray();
        json.WriteStartArray("skipped");
        foreach ((string path, string reason) in skipped)
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteString("reason", reason);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void WriteFile(Utf8JsonWriter json, CriuDumpFile file, string? path)
    {
        json.WriteStartObject();
        if (path is not null)
        {
            json.WriteString("path", path);
        }

        json.WriteString("kind", KindId(file.Name.Kind));
        JsonOutput.WriteStrings(json, "revision", CriuRevisionNames.Ids(file.Revisions));
        JsonOutput.WriteOptional(json, "header", file.Header);

        json.WriteNumber("length", file.Input.Length);
        if (file.DamageDetail is { } damage)
        {
            json.WriteString("error", damage.Message);
        }
        else if (file.Kfd is { } kfd)
        {
            json.WriteNumber("stale_bytes", kfd.StaleBytes);
            json.WriteStartObject("message");
            WriteKfd(json, kfd.Message);
            json.WriteEndObject();
        }
        else if (file.RenderNode is { } node)
        {
            json.WriteNumber("stale_bytes", node.StaleBytes);
            json.WriteStartObject("message");
            WriteRenderNode(json, node);
            json.WriteEndObject();
        }
        else if (file.Dmabuf is { } dmabuf)
        {
            json.WriteNumber("stale_bytes", dmabuf.StaleBytes);
            json.WriteStartObject("message");
            json.WriteNumber("gem_handle", dmabuf.Message.GemHandle);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNumber("contents_bytes", file.ContentsBytes);
        }

        json.WriteEndObject();
    }

    /// <summary>The kind as JSON names it: <c>kfd</c>, <c>kfd-pages</c>, <c>render-node</c>, <c>drm-pages</c>, <c>dmabuf</c>.</summary>
    public static string KindId(CriuFileKind kind) => kind switch
    {
        CriuFileKind.KfdImage => "kfd",
        CriuFileKind.KfdPages => "kfd-pages",
        CriuFileKind.RenderNode => "render-node",
        CriuFileKind.DrmPages => "drm-pages",
        _ => "dmabuf",
    };

    private static void WriteKfd(Utf8JsonWriter json, CriuKfd kfd)
    {
        json.WriteNumber("pid", kfd.Pid);
        json.WriteNumber("num_of_gpus", kfd.NumOfGpus);
        json.WriteNumber("num_of_cpus", kfd.NumOfCpus);
        json.WriteStartArray("device_entries");
        foreach (KfdDeviceEntry d in kfd.DeviceEntries)
        {
            json.WriteStartObject();
            for (int n = 1; n <= KfdDeviceEntry.FieldNames.Count; n++)
            {
                json.WriteNumber(KfdDeviceEntry.FieldNames[n - 1], d[n]);
            }

            json.WriteStartArray("iolinks");
            foreach (DevIolink link in d.Iolinks)
            {
                json.WriteStartObject();
                json.WriteNumber("type", link.Type);
                json.WriteNumber("node_to_id", link.NodeToId);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("num_of_bos", kfd.NumOfBos);
        json.WriteStartArray("bo_entries");
        foreach (KfdBo bo in kfd.Bos.Values)
        {
            json.WriteStartObject();
            json.WriteNumber("addr", bo.Addr);
            json.WriteNumber("size", bo.Size);
            json.WriteNumber("offset", bo.Offset);
            json.WriteNumber("alloc_flags", bo.AllocFlags);
            json.WriteNumber("gpu_id", bo.GpuId);
            JsonOutput.WriteOptional(json, "handle", bo.Handle);
            JsonOutput.WriteOptional(json, "is_import", bo.IsImport);

            json.WriteEndObject();
            FlushIfFull(json);
        }

        json.WriteEndArray();
        json.WriteNumber("num_of_objects", kfd.NumOfObjects);
        json.WriteNumber("shared_mem_size", kfd.SharedMemSize);
        json.WriteNumber("shared_mem_magic", kfd.SharedMemMagic);
        WritePrivData(json, kfd);
    }

    /// <summary>The private data as base64 a piece at a time, read from the file where the image was (272 MB at 10^6 BOs is never held).</summary>
    private static void WritePrivData(Utf8JsonWriter json, CriuKfd kfd)
    {
        json.WritePropertyName("priv_data");
        if (kfd.Private.Length == 0)
        {
            json.WriteBase64StringValue(ReadOnlySpan<byte>.Empty);
            return;
        }

        long left = kfd.Private.Length;
        kfd.Private.ForEachPiece(piece =>
        {
            left -= piece.Length;
            json.WriteBase64StringSegment(piece.Span, isFinalSegment: left == 0);
            FlushIfFull(json);
        });
    }

    private static void WriteRenderNode(Utf8JsonWriter json, CriuMessageFile<CriuRenderNode> file)
    {
        CriuRenderNode node = file.Message;
        json.WriteNumber("gpu_id", node.GpuId);
        if (file.Revisions == CriuRevisions.Released)
        {
            return;
        }

        bool d5377 = node.NumOfObjects is not null;
        json.WriteNumber(d5377 ? "pid" : "id", node.Id);
        json.WriteNumber("drm_render_minor", node.DrmRenderMinor);
        json.WriteNumber("num_of_bos", node.NumOfBos);
        json.WriteStartArray("bo_entries");
        foreach (ref readonly DrmBo bo in node.Entries.Values)
        {
            json.WriteStartObject();
            json.WriteNumber("addr", bo.Addr);
            json.WriteNumber("size", bo.Size);
            json.WriteNumber("offset", bo.Offset);
            json.WriteNumber("alloc_flags", bo.AllocFlags);
            if (!d5377)
            {
                json.WriteNumber("alignment", bo.Alignment);
            }

            json.WriteNumber("preferred_domains", bo.PreferredDomains);
            json.WriteNumber("handle", bo.Handle);
            json.WriteNumber("is_import", bo.IsImport);
            if (!d5377)
            {
                json.WriteNumber("num_of_vms", bo.NumOfVms);
                json.WriteStartArray("vm_entries");
                foreach (VmRecord vm in bo.VmEntries)
                {
                    json.WriteStartObject();
                    json.WriteNumber("addr", vm.Addr);
                    json.WriteNumber("size", vm.Size);
                    json.WriteNumber("offset", vm.Offset);
                    json.WriteNumber("flags", vm.Flags);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            FlushIfFull(json);
        }

        json.WriteEndArray();
        if (d5377)
        {
            json.WriteNumber("num_of_objects", node.NumOfObjects!.Value);
            json.WriteBase64String("priv_data", (node.PrivData ?? ReadOnlyMemory<byte>.Empty).Span);
        }
    }

    /// <summary>A writer over a stream holds what it writes until flushed: the entries of a large file go out as they are written.</summary>
    private static void FlushIfFull(Utf8JsonWriter json)
    {
        if (json.BytesPending > 1 << 16)
        {
            json.Flush();
        }
    }
}
