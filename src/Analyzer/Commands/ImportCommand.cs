using System.CommandLine;
using CriuImage.Criu;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image import amdgpu-renderD-ID.img -o IMAGE</c>: CRIU's own render-node image as a criu-image.</summary>
internal static class ImportCommand
{
    public static Command Create(StandardStreams std)
    {
        var input = new Argument<string>("CRIU-IMAGE") { Description = "CRIU's amdgpu-renderD-<id>.img (8-byte length, then a criu_render_node protobuf); - reads standard input." };
        var target = new Option<string>("--output", "-o") { Description = "The image to write: a file is replaced only on success; a device or FIFO is written through; - is standard output.", Required = true };
        var command = new Command("import", "Convert CRIU's amdgpu render-node image into a criu-image (linux-6.18 revision), checking it on the way.") { input, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(input)!;
            string outPath = parse.GetValue(target)!;
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, async () =>
            {
                CriuRenderNode node = CriuRenderNodeReader.Read(await std.ReadAllBytesAsync(path, cancellationToken));
                await using CommandOutput output = CommandOutput.Open(outPath, std, bufferSize: 1);
                await using (ImageWriter writer = ImageWriter.Create(output.Stream, CriuImport.HeaderFor(node), leaveOpen: true))
                {
                    CriuImport.WriteBos(node, writer);
                    await writer.CompleteAsync(cancellationToken);
                }

                await output.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
