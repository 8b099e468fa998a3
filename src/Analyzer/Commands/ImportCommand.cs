using System.CommandLine;
using CriuImage.Criu;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image import amdgpu-renderD-ID.img -o IMAGE</c>: CRIU's own render-node image as a criu-image.</summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter error)
    {
        var input = new Argument<string>("CRIU-IMAGE") { Description = "CRIU's amdgpu-renderD-<id>.img (8-byte length, then a criu_render_node protobuf)." };
        var target = new Option<string>("--output", "-o") { Description = "The image to write (replaced only on success).", Required = true };
        var command = new Command("import", "Convert CRIU's amdgpu render-node image into a criu-image (linux-6.18 revision), checking it on the way.") { input, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(input)!;
            string outPath = parse.GetValue(target)!;
            return CommandErrors.RunWritingAsync(path, outPath, error, async () =>
            {
                CriuRenderNode node = CriuRenderNodeReader.Read(await File.ReadAllBytesAsync(path, cancellationToken));
                await using ImageFileWriter file = ImageFileWriter.Create(outPath, CriuImport.HeaderFor(node));
                CriuImport.WriteBos(node, file.Writer);
                await file.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
