using System.Globalization;
using System.Text;
using System.Text.Json;
using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Format;

namespace CriuImage.Reporting;

/// <summary>
/// <c>show</c> of a CRIU amdgpu dump: per file, every KFD BO and every render-node BO with its mappings, sizes
/// humanized, addresses in hex, flag bits by their kernel names (<c>KFD_IOC_ALLOC_MEM_FLAGS_*</c> for KFD BOs,
/// <c>AMDGPU_GEM_*</c> and <c>AMDGPU_VM_*</c> for render-node BOs). Contents files give their length.
/// </summary>
public static class DumpShowReport
{
    /// <summary>The dump as tables, one section per file.</summary>
    public static string Text(CriuDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        CultureInfo c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"{Printable.Escape(dump.Folder)} (CRIU amdgpu dump, {CriuRevisionNames.Describe(dump.Revisions)})\n");
        foreach (CriuDumpFile file in dump.Files)
        {
            text.Append(c, $"\n{Printable.Escape(file.Input.Path)}: {CriuJsonWriter.KindId(file.Name.Kind)}");
            if (file.DamageDetail is { } damage)
            {
                text.Append(c, $": unreadable: {Printable.Escape(damage.Message)}\n");
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
                text.Append(c, $", GEM handle {dmabuf.Message.GemHandle}\n");
            }
            else
            {
                text.Append(c, $", {Sizes.Humanize((ulong)file.ContentsBytes)} of contents ({file.ContentsBytes} bytes)\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The dump as one JSON object: <c>{"folder", "revision", "files":[{"path", "kind", ...}]}</c>, flags as raw value and names.</summary>
    public static void WriteJson(CriuDump dump, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("folder", dump.Folder);
        json.WriteString("revision", CriuRevisionNames.Describe(dump.Revisions));
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

    private static void KfdText(StringBuilder text, CriuKfd kfd)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Append(c, $", pid {kfd.Pid}, {kfd.NumOfGpus} GPUs, {kfd.BoEntries.Count} BOs\n");
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            text.Append(c, $"  GPU 0x{gpu.GpuId:x}: render minor {gpu.DrmRenderMinor}, pci {gpu.VendorId:x4}:{gpu.DeviceId:x4}, VRAM {Sizes.Humanize(gpu.VramSize)}\n");
        }

        text.Append(c, $"  {"ADDR",-18}  {"SIZE",10}  {"GPU",-8}  {"HANDLE",-10}  FLAGS\n");
        foreach (KfdBoEntry bo in kfd.BoEntries)
        {
            string handle = bo.Handle switch { null => "-", uint.MaxValue => "none", { } h => h.ToString(c) };
            text.Append(c, $"  0x{bo.Addr:x16}  {Sizes.Humanize(bo.Size),10}  {"0x" + bo.GpuId.ToString("x4", c),-8}  {handle,-10}  {FlagNames.Join(FlagNames.OfKfdAllocFlags(bo.AllocFlags))}\n");
        }
    }

    private static void RenderNodeText(StringBuilder text, CriuRenderNode node)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        text.Append(c, $", gpu_id 0x{node.GpuId:x}, render minor {node.DrmRenderMinor}, {node.Bos.Count} BOs\n");
        if (node.Bos.Count == 0)
        {
            return;
        }

        text.Append(c, $"  {"HANDLE",10}  {"SIZE",10}  {"DOMAINS",-12}  {"MMAP OFFSET",-18}  ALLOC FLAGS (ALIGNMENT) [IMPORT]\n");
        text.Append(c, $"  {"",10}  {"MAPPING",-18}  {"END (EXCLUSIVE)",-19}  {"SIZE",10}  {"BO OFFSET",-18}  FLAGS\n");
        foreach (CriuBoEntry bo in node.Bos)
        {
            string import = bo.IsImport != 0 ? " [IMPORT]" : "";
            text.Append(c, $"  {bo.Handle,10}  {Sizes.Humanize(bo.Size),10}  {FlagNames.Join(FlagNames.OfDomains(bo.PreferredDomains)),-12}  0x{bo.Offset:x16}  {FlagNames.Join(FlagNames.OfAllocFlags(bo.AllocFlags))} (alignment {bo.Alignment}){import}\n");
            foreach (VmRecord vm in bo.VmEntries)
            {
                string end = (UInt128)vm.Addr + vm.Size is var e && e <= ulong.MaxValue ? $"0x{(ulong)e:x16}" : $"0x{e:x}";
                text.Append(c, $"  {"",10}  0x{vm.Addr:x16}  {end,-19}  {Sizes.Humanize(vm.Size),10}  0x{vm.Offset:x16}  {FlagNames.Join(FlagNames.OfMappingFlags(vm.Flags, MappingFlagsKind.Uapi))}\n");
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
            json.WriteString("gpu_id", $"0x{gpu.GpuId:x}");
            json.WriteNumber("render_minor", gpu.DrmRenderMinor);
            json.WriteString("pci", string.Create(CultureInfo.InvariantCulture, $"{gpu.VendorId:x4}:{gpu.DeviceId:x4}"));
            json.WriteNumber("vram_bytes", gpu.VramSize);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("bos");
        foreach (KfdBoEntry bo in kfd.BoEntries)
        {
            json.WriteStartObject();
            json.WriteString("addr", $"0x{bo.Addr:x}");
            json.WriteNumber("size", bo.Size);
            json.WriteString("size_text", Sizes.Humanize(bo.Size));
            json.WriteString("gpu_id", $"0x{bo.GpuId:x}");
            if (bo.Handle is { } handle)
            {
                json.WriteNumber("handle", handle);
            }

            FlagNames.WriteJson(json, "alloc_flags", bo.AllocFlags, FlagNames.OfKfdAllocFlags(bo.AllocFlags));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void RenderNodeJson(Utf8JsonWriter json, CriuRenderNode node)
    {
        json.WriteString("gpu_id", $"0x{node.GpuId:x}");
        json.WriteNumber("render_minor", node.DrmRenderMinor);
        json.WriteStartArray("bos");
        foreach (CriuBoEntry bo in node.Bos)
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
        }

        json.WriteEndArray();
    }
}
