using System.Globalization;
using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Format;

namespace CriuImage.Reporting;

/// <summary>
/// <c>show</c> of a CRIU amdgpu dump: per file, every KFD BO and every render-node BO with its mappings, sizes
/// humanized, addresses in hex, flag bits by their kernel names (<c>KFD_IOC_ALLOC_MEM_FLAGS_*</c> for KFD BOs,
/// <c>AMDGPU_GEM_*</c> and <c>AMDGPU_VM_*</c> for render-node BOs). Contents files give their length; the process
/// tree, where the dump has <c>pstree.img</c>, comes first (<see cref="ProcessTreeShow"/>).
/// </summary>
internal static class DumpShowReport
{
    /// <summary>The dump as tables, one section per file.</summary>
    public static string Text(CriuDump dump)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteText(dump, text);
        return text.ToString();
    }

    /// <summary>Writes <see cref="Text"/>'s tables to <paramref name="text"/> as it goes, row by row.</summary>
    public static void WriteText(CriuDump dump, TextWriter text)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(text);
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Write(string.Create(c, $"{Printable.Escape(dump.Folder)} (CRIU amdgpu dump, {CriuRevisionNames.Describe(dump.Revisions)})\n"));
        ProcessTreeShow.WriteText(dump, text);
        foreach (CriuDumpFile file in dump.Files)
        {
            text.Write(string.Create(c, $"\n{Printable.Escape(file.Input.Path)}: {CriuJsonWriter.KindId(file.Name.Kind)}"));
            if (file.DamageDetail is { } damage)
            {
                text.Write(string.Create(c, $": unreadable: {Printable.Escape(damage.Message)}\n"));
            }
            else if (file.Kfd is { } kfd)
            {
                KfdText(text, kfd.Message);
            }
            else if (file.RenderNode is { } node)
            {
                RenderNodeText(text, node.Message);
            }
            else if (file.Dmabuf is { } dmabuf)
            {
                text.Write(string.Create(c, $", GEM handle {dmabuf.Message.GemHandle}\n"));
            }
            else
            {
                text.Write(string.Create(c, $", {Sizes.Humanize((ulong)file.ContentsBytes)} of contents ({file.ContentsBytes} bytes)\n"));
            }
        }
    }

    /// <summary>The dump as one JSON object: <c>{"folder", "revision", "files":[{"path", "kind", ...}]}</c>, flags as raw value and names.</summary>
    public static void WriteJson(CriuDump dump, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("folder", dump.Folder);
        json.WriteString("revision", CriuRevisionNames.Describe(dump.Revisions));
        ProcessTreeShow.WriteJson(dump, json);
        json.WriteStartArray("files");
        foreach (CriuDumpFile file in dump.Files)
        {
            json.WriteStartObject();
            json.WriteString("path", file.Input.Path);
            json.WriteString("kind", CriuJsonWriter.KindId(file.Name.Kind));
            if (file.DamageDetail is { } damage)
            {
                json.WriteString("error", damage.Message);
            }
            else if (file.Kfd is { } kfd)
            {
                KfdJson(json, kfd.Message);
            }
            else if (file.RenderNode is { } node)
            {
                RenderNodeJson(json, node.Message);
            }
            else if (file.Dmabuf is { } dmabuf)
            {
                json.WriteNumber("gem_handle", dmabuf.Message.GemHandle);
            }
            else
            {
                json.WriteNumber("contents_bytes", file.ContentsBytes);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void KfdText(TextWriter text, CriuKfd kfd)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Write(string.Create(c, $", pid {kfd.Pid}, {Plural.Of(kfd.NumOfGpus, "GPU")}, {Plural.Of(kfd.BoEntries.Count, "BO")}\n"));
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            text.Write(string.Create(c, $"  GPU 0x{gpu.GpuId:x}: render minor {gpu.DrmRenderMinor}, pci {gpu.VendorId:x4}:{gpu.DeviceId:x4}, VRAM {Sizes.Humanize(gpu.VramSize)}\n"));
        }

        text.Write(string.Create(c, $"  {"ADDR",-18}  {"SIZE",10}  {"GPU",-8}  {"HANDLE",-10}  FLAGS\n"));
        foreach (KfdBo bo in kfd.Bos.Values)
        {
            string handle = bo.Handle switch { null => "-", uint.MaxValue => "none", { } h => h.ToString(c) };
            text.Write(string.Create(c, $"  0x{bo.Addr:x16}  {Sizes.Humanize(bo.Size),10}  {"0x" + bo.GpuId.ToString("x4", c),-8}  {handle,-10}  {FlagNames.Join(FlagNames.OfKfdAllocFlags(bo.AllocFlags))}\n"));
        }
    }

    private static void RenderNodeText(TextWriter text, CriuRenderNode node)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Write(string.Create(c, $", gpu_id 0x{node.GpuId:x}, render minor {node.DrmRenderMinor}, {Plural.Of(node.Bos.Count, "BO")}\n"));
        if (node.Bos.Count == 0)
        {
            return;
        }

        text.Write(string.Create(c, $"  {"HANDLE",10}  {"SIZE",10}  {"DOMAINS",-12}  {"MMAP OFFSET",-18}  ALLOC FLAGS (ALIGNMENT) [IMPORT]\n"));
        text.Write(string.Create(c, $"  {"",10}  {"MAPPING",-18}  {"END (EXCLUSIVE)",-19}  {"SIZE",10}  {"BO OFFSET",-18}  FLAGS\n"));
        foreach (ref readonly DrmBo bo in node.Entries.Values)
        {
            string import = bo.IsImport != 0 ? " [IMPORT]" : "";
            text.Write(string.Create(c, $"  {bo.Handle,10}  {Sizes.Humanize(bo.Size),10}  {FlagNames.Join(FlagNames.OfDomains(bo.PreferredDomains)),-12}  0x{bo.Offset:x16}  {FlagNames.Join(FlagNames.OfAllocFlags(bo.AllocFlags))} (alignment {bo.Alignment}){import}\n"));
            foreach (VmRecord vm in bo.VmEntries)
            {
                string end = (UInt128)vm.Addr + vm.Size is var e && e <= ulong.MaxValue ? $"0x{(ulong)e:x16}" : $"0x{e:x}";
                text.Write(string.Create(c, $"  {"",10}  0x{vm.Addr:x16}  {end,-19}  {Sizes.Humanize(vm.Size),10}  0x{vm.Offset:x16}  {FlagNames.Join(FlagNames.OfMappingFlags(vm.Flags, MappingFlagsKind.Uapi))}\n"));
            }
        }
    }

    private static void KfdJson(Utf8JsonWriter json, CriuKfd kfd)
    {
        json.WriteNumber("pid", kfd.Pid);
        json.WriteStartArray("gpus");
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            json.WriteStartObject();
            json.WriteNumber("gpu_id", gpu.GpuId);
            json.WriteNumber("render_minor", gpu.DrmRenderMinor);
            json.WriteString("pci", string.Create(CultureInfo.InvariantCulture, $"{gpu.VendorId:x4}:{gpu.DeviceId:x4}"));
            json.WriteNumber("vram_bytes", gpu.VramSize);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("bos");
        foreach (KfdBo bo in kfd.Bos.Values)
        {
            json.WriteStartObject();
            json.WriteString("addr", $"0x{bo.Addr:x}");
            json.WriteNumber("size", bo.Size);
            json.WriteString("size_text", Sizes.Humanize(bo.Size));
            json.WriteNumber("gpu_id", bo.GpuId);
            JsonOutput.WriteOptional(json, "handle", bo.Handle);

            FlagNames.WriteJson(json, "alloc_flags", bo.AllocFlags, FlagNames.OfKfdAllocFlags(bo.AllocFlags));
            json.WriteEndObject();
            FlushIfFull(json);
        }

        json.WriteEndArray();
    }

    private static void RenderNodeJson(Utf8JsonWriter json, CriuRenderNode node)
    {
        json.WriteNumber("gpu_id", node.GpuId);
        json.WriteNumber("render_minor", node.DrmRenderMinor);
        json.WriteStartArray("bos");
        foreach (ref readonly DrmBo bo in node.Entries.Values)
        {
            json.WriteStartObject();
            json.WriteNumber("handle", bo.Handle);
            json.WriteNumber("size", bo.Size);
            json.WriteString("size_text", Sizes.Humanize(bo.Size));
            json.WriteString("mmap_offset", $"0x{bo.Offset:x}");
            FlagNames.WriteJson(json, "preferred_domains", bo.PreferredDomains, FlagNames.OfDomains(bo.PreferredDomains));
            FlagNames.WriteJson(json, "alloc_flags", bo.AllocFlags, FlagNames.OfAllocFlags(bo.AllocFlags));
            json.WriteNumber("alignment", bo.Alignment);
            json.WriteBoolean("is_import", bo.IsImport != 0);
            json.WriteStartArray("mappings");
            foreach (VmRecord vm in bo.VmEntries)
            {
                json.WriteStartObject();
                json.WriteString("address", $"0x{vm.Addr:x}");
                json.WriteString("size", $"0x{vm.Size:x}");
                json.WriteString("size_text", Sizes.Humanize(vm.Size));
                json.WriteString("offset", $"0x{vm.Offset:x}");
                FlagNames.WriteJson(json, "flags", vm.Flags, FlagNames.OfMappingFlags(vm.Flags, MappingFlagsKind.Uapi));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            FlushIfFull(json);
        }

        json.WriteEndArray();
    }

    /// <summary>A writer over a stream holds what it writes until flushed: the BOs of a large dump go out as they are written.</summary>
    private static void FlushIfFull(Utf8JsonWriter json)
    {
        if (json.BytesPending > 1 << 16)
        {
            json.Flush();
        }
    }
}
