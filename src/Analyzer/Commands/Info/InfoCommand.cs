using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CriuImage.Analyzer.Cli;
using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.Input;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image info [--format text|json] PATH...</c>: for an image, what the header says and the counts
/// and sizes behind it; for a CRIU dump (folder, archive, file), what GPU state it holds.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(StandardStreams std)
    {
        TextWriter output = std.Text;
        TextWriter error = std.Error;
        var command = new InfoCommandDefinition();
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await CommandErrors.StandardInputTwiceAsync(parse.GetValue(command.Paths)!, error))
            {
                return ExitCodes.Unusable;
            }

            InputSet inputs = DumpInputs.Collect(parse.GetValue(command.Paths)!, new InputOptions { Words = std.Words, FollowSymlinks = parse.GetValue(command.Follow), Progress = TerminalProgress.For(error) }, () => std.Input);
            foreach (UnreadableInput u in inputs.Unreadable)
            {
                await error.WriteLineAsync(Printable.Escape($"{u.Path}: error: {u.Reason}"));
            }

            if (inputs.Files.Count == 0 && inputs.Unreadable.Count == 0)
            {
                await error.WriteLineAsync(Printable.Escape($"criu-image: error: no image or CRIU amdgpu file found in the given inputs ({inputs.Skipped.Count} other {(inputs.Skipped.Count == 1 ? "entry" : "entries")} skipped)"));
                return ExitCodes.Unusable;
            }

            InputPlan plan = InputPlan.Of(inputs);
            var images = new List<(string Path, ImageFacts? Facts)>();
            bool unreadable = inputs.Unreadable.Count > 0;
            foreach (int i in plan.Images)
            {
                InputFile file = inputs.Files[i];
                if (NeitherFile.Is(file))
                {
                    await error.WriteLineAsync(Printable.Escape($"{file.Path}: error: {NeitherFile.Line(file, CliRemedyWords.Instance)}"));
                    unreadable = true;
                    continue;
                }

                int code = await CommandErrors.RunAsync(file.Path, error, async () =>
                {
                    images.Add((file.Path, await ImageFacts.ReadAsync(file, cancellationToken)));
                    return ExitCodes.Success;
                }, file.Path == "-" ? null : file.ReadPath);
                unreadable |= code != ExitCodes.Success;
            }

            List<DumpSummary> dumps = [.. plan.Dumps.Select(d => DumpSummary.Of(d.Dump))];
            IReadOnlyList<Artifact> artifacts = ArtifactReport.Of(inputs);
            // A damaged file is described without it: say which file is missing from the picture, and exit 2.
            if (await CommandErrors.ReportDamageAsync(plan.Dumps.SelectMany(d => d.Dump.Files), error))
            {
                unreadable = true;
            }

            if (parse.GetValue(command.Format) == "json")
            {
                await output.WriteAsync(Json(images, dumps, artifacts));
            }
            else
            {
                foreach ((string path, ImageFacts? facts) in images)
                {
                    await output.WriteAsync(facts!.Describe(path));
                }

                foreach (Artifact artifact in artifacts)
                {
                    await output.WriteAsync(ArtifactReport.Text(artifact));
                }

                foreach (DumpSummary dump in dumps)
                {
                    await output.WriteAsync(DumpInfoReport.Text(dump));
                }
            }

            return ExitCodes.For(unreadable, findings: false);
        });
        return command;
    }

    private static string Json(List<(string Path, ImageFacts? Facts)> images, List<DumpSummary> dumps, IReadOnlyList<Artifact> artifacts)
    {
        using var buffer = new MemoryStream();
        using (var json = IO.JsonOutput.Create(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("images");
            foreach ((string path, ImageFacts? facts) in images)
            {
                facts!.WriteJson(json, path);
            }

            json.WriteEndArray();
            DumpInfoReport.WriteJson(dumps, json);
            if (artifacts.Count > 0)
            {
                // Only for inputs that are artifacts: the JSON of a dump folder or archive stays as it was.
                ArtifactReport.WriteJson(artifacts, json);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    /// <summary>What <c>info</c> says about one criu-image.</summary>
    private sealed record ImageFacts(Preamble Preamble, ImageHeader Header, Trailer Trailer, UInt128 TotalSize, ulong Imports)
    {
        public static async Task<ImageFacts> ReadAsync(InputFile file, CancellationToken cancellationToken)
        {
            await using ImageReader reader = file.Content is { } content
                ? ImageReader.Create(new MemoryStream(content, writable: false))
                : ImageReader.Open(file.ReadPath ?? file.Path);
            ImageHeader header = await reader.ReadHeaderAsync(cancellationToken);
            UInt128 totalSize = 0;
            ulong imports = 0;
            while (await reader.ReadFrameAsync(cancellationToken))
            {
                while (reader.TryReadRecord(out RecordTag tag))
                {
                    if (tag == RecordTag.Bo)
                    {
                        totalSize += reader.CurrentBo.Size;
                        imports += (reader.CurrentBo.Flags & (uint)BoFlags.IsImport) != 0 ? 1u : 0u;
                    }
                }
            }

            return new ImageFacts(reader.Preamble, header, reader.Trailer!.Value, totalSize, imports);
        }

        public string Describe(string path)
        {
            var text = new System.Text.StringBuilder();
            CultureInfo c = CultureInfo.InvariantCulture;
            text.AppendLine(Printable.Escape(path));
            text.AppendLine(c, $"  format:        criu-image {Preamble.Major}.{Preamble.Minor} (features incompat 0x{Preamble.Incompat:x}, ro_compat 0x{Preamble.RoCompat:x}, compat 0x{Preamble.Compat:x})");
            text.AppendLine(c, $"  image id:      {(Header.ImageId is { } id ? ImageHeader.FormatImageId(id) : "none (format 1.0: its trailer digest is weak, blind to frames removed, repeated, reordered or replaced)")}");
            text.AppendLine(c, $"  abi:           {Header.Abi.ToId()}");
            text.AppendLine(c, $"  mapping flags: {(Header.MappingFlags == MappingFlagsKind.Pte ? "pte (hardware PTE bits)" : "uapi (AMDGPU_VM_* bits)")}");
            text.AppendLine(c, $"  gpu page size: {Header.GpuPageSize}");
            if (Header.Device is { } d)
            {
                text.AppendLine(c, $"  device:        render minor {Show(d.RenderMinor)}, pci {ShowHex(d.PciVendorId)}:{ShowHex(d.PciDeviceId)}, gc {d.GcIpVersion?.ToString() ?? "?"}, va bits {d.VaBits ?? DeviceInfo.DefaultVaBits}");
            }

            if (Header.Capture is { } cap)
            {
                string time = cap.TimeNs is { } ns
                    ? DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", c)
                    : "?";
                text.AppendLine(c, $"  capture:       time {time}, pid {Show(cap.Pid)}, tool {Printable.Escape(cap.Tool ?? "?")}");
            }

            text.AppendLine(c, $"  frames:        {Trailer.FrameCount + 1} (trailer included)");
            text.AppendLine(c, $"  bos:           {Trailer.BoCount} ({Imports} imported), {TotalSize} bytes in all");
            text.AppendLine(c, $"  mappings:      {Trailer.MappingCount}");
            return text.ToString();
        }

        public void WriteJson(Utf8JsonWriter json, string path)
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteString("format", $"{Preamble.Major}.{Preamble.Minor}");
            if (Header.ImageId is { } id)
            {
                json.WriteString("image_id", ImageHeader.FormatImageId(id));
            }

            json.WriteString("abi", Header.Abi.ToId());
            json.WriteNumber("bos", Trailer.BoCount);
            json.WriteNumber("imported_bos", Imports);
            json.WritePropertyName("bytes");
            json.WriteRawValue(TotalSize.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
            json.WriteNumber("mappings", Trailer.MappingCount);
            json.WriteEndObject();
        }

        private static string Show<T>(T? value)
            where T : struct => value?.ToString() ?? "?";

        private static string ShowHex(ushort? value) => value is { } v ? v.ToString("x4", CultureInfo.InvariantCulture) : "?";
    }
}
