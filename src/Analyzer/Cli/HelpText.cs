namespace CriuImage.Analyzer.Cli;

/// <summary>The text of <c>criu-image --help</c> beyond what the command tree lists: enough to stand as the man page.</summary>
internal static class HelpText
{
    public const string Root = """
        criu-image: read, write and check AMD GPU (amdgpu) checkpoint images: the buffer objects (BOs) and GPU
        virtual-address mappings the amdgpu driver reports at checkpoint time, for the kernel interface revisions
        criu-2025-06, criu-v8 and linux-6.18. 'criu-image COMMAND --help' describes each command.

        Inputs and outputs:
          - as an input reads standard input; as -o writes standard output.
          -o FILE replaces a regular file atomically and only on success (mode and owner kept, or nothing
          written when the owner cannot be kept; a link is followed); a character device, a FIFO or an open
          descriptor (/dev/null, a pipe, /dev/fd/N) is written through; a folder, block device or socket is
          refused. An output that is a file of the input (same device and inode) is refused.

        Exit status:
          0  success; nothing reached the --fail-on level (verify), the images are equal (diff)
          1  verify: findings at the --fail-on level; diff: the images differ
          2  an input could not be read, an output could not be written, or the command line is wrong
          130 interrupted (Ctrl-C); no output file is left half-written

        Examples:
          criu-image verify dumps/                     check every image under a folder
          criu-image verify --format sarif x.img > x.sarif
          criu-image verify ckpt.tar --host node.snapshot  will the dump's GPUs restore on that host
          criu-image show x.img                        BOs and mappings as a table
          criu-image diff before.img after.img         what changed, by GEM handle and address
          criu-image decode x.img -o x.json && criu-image encode x.json -o y.img
          criu-image import amdgpu-renderD-9.img -o renderD-9.cimg
          criu-image import checkpoint.tar.gz -o images/      one image per render node with BOs
          criu-image completion bash > /etc/bash_completion.d/criu-image

        Diagnostic codes: docs/diagnostics.md. Format: FORMAT.md. Environment: NO_COLOR disables colour.
        """;
}
