using System.CommandLine;
using System.Globalization;
using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image info IMAGE</c>: what the header says, and the counts and sizes behind it.</summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image to describe." };
        var command = new Command("info", "Show an image's header, format version, frames and totals.") { image };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(image)!;
            return CommandErrors.RunAsync(path, error, async () =>
            {
                await using ImageReader reader = ImageReader.Open(path);
                ImageHeader header = await reader.ReadHeaderAsync(cancellationToken);
                ulong totalSize = 0;
                ulong imports = 0;
                while (await reader.ReadFrameAsync(cancellationToken))
                {
                    while (reader.TryReadRecord(out RecordTag tag))
                    {
                        if (tag == RecordTag.Bo)
                        {
                            totalSize = unchecked(totalSize + reader.CurrentBo.Size);
                            imports += (reader.CurrentBo.Flags & (uint)BoFlags.IsImport) != 0 ? 1u : 0u;
                        }
                    }
                }

                Trailer trailer = reader.Trailer!.Value;
                await output.WriteAsync(Describe(path, reader.Preamble, header, trailer, totalSize, imports));
                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static string Describe(string path, Preamble preamble, ImageHeader header, Trailer trailer, ulong totalSize, ulong imports)
    {
        var text = new System.Text.StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{path}");
        text.AppendLine(c, $"  format:        criu-image {preamble.Major}.{preamble.Minor} (features incompat 0x{preamble.Incompat:x}, ro_compat 0x{preamble.RoCompat:x}, compat 0x{preamble.Compat:x})");
        text.AppendLine(c, $"  image id:      {(header.ImageId is { } id ? ImageHeader.FormatImageId(id) : "none (format 1.0: its trailer digest is weak, blind to frames removed, repeated, reordered or replaced)")}");
        text.AppendLine(c, $"  abi:           {header.Abi.ToId()}");
        text.AppendLine(c, $"  mapping flags: {(header.MappingFlags == MappingFlagsKind.Pte ? "pte (hardware PTE bits)" : "uapi (AMDGPU_VM_* bits)")}");
        text.AppendLine(c, $"  gpu page size: {header.GpuPageSize}");
        if (header.Device is { } d)
        {
            text.AppendLine(c, $"  device:        render minor {Show(d.RenderMinor)}, pci {ShowHex(d.PciVendorId)}:{ShowHex(d.PciDeviceId)}, gc {d.GcIpVersion?.ToString() ?? "?"}, va bits {d.VaBits ?? DeviceInfo.DefaultVaBits}");
        }

        if (header.Capture is { } cap)
        {
            string time = cap.TimeNs is { } ns
                ? DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", c)
                : "?";
            text.AppendLine(c, $"  capture:       time {time}, pid {Show(cap.Pid)}, tool {cap.Tool ?? "?"}");
        }

        text.AppendLine(c, $"  frames:        {trailer.FrameCount + 1} (trailer included)");
        text.AppendLine(c, $"  bos:           {trailer.BoCount} ({imports} imported), {totalSize} bytes in all");
        text.AppendLine(c, $"  mappings:      {trailer.MappingCount}");
        return text.ToString();
    }

    private static string Show<T>(T? value)
        where T : struct => value?.ToString() ?? "?";

    private static string ShowHex(ushort? value) => value is { } v ? v.ToString("x4", CultureInfo.InvariantCulture) : "?";
}
