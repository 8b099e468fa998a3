using System.CommandLine;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image import</c> accepts: its arguments and options with their help. <see cref="ImportCommand"/> runs it.</summary>
internal sealed class ImportCommandDefinition : Command
{
    public ImportCommandDefinition()
        : base("import", "Convert CRIU's amdgpu render-node images into criu-images (linux-6.18 revision, with CRIU's gpu_id, file id and BO addresses), checking them on the way. Released and d5377d5d2 render nodes hold no mappings and are skipped, each with a line saying so. Exit 0 when every render node was imported or skipped for a stated reason and at least one was imported; 2 when an input, a render node or another file of the dump could not be read, an output could not be written, or nothing was imported.")
    {
        Arguments.Add(Input);
        Options.Add(Output);
    }

    public Argument<string> Input { get; } = new("INPUT") { Description = "CRIU's amdgpu-renderD-<id>.img, a dump folder, or a container checkpoint archive (.tar, .tar.gz, .tgz); - reads standard input." };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "For one render-node file: the image to write (a file is replaced only on success; a device or FIFO is written through; - is standard output; a folder gets amdgpu-renderD-<id>.cimg). For a dump or an archive: the folder to write amdgpu-renderD-<id>.cimg into, created if missing.",
        Required = true,
    };
}
