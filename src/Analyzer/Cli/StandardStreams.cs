using System.Text;
using CriuImage.Diagnostics;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// The process's standard streams as the commands use them: bytes in, bytes or text out (one buffer, so
/// the two never interleave out of order), and errors. A failure to write standard output (a full disk
/// behind <c>&gt; file</c>, <c>/dev/full</c>, a closed descriptor) surfaces as <see cref="OutputException"/>.
/// </summary>
internal sealed class StandardStreams
{
    public StandardStreams(Stream input, Stream output, TextWriter error, Terminal terminal)
    {
        Input = input;
        Output = new OutputStream(output, "standard output");
        Text = new StreamWriter(Output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        Error = error;
        Terminal = terminal;
    }

    /// <summary>Standard input, for <c>-</c> as an input.</summary>
    public Stream Input { get; }

    /// <summary>Standard output as bytes, for <c>-</c> as an output; flush <see cref="Text"/> before writing here.</summary>
    public Stream Output { get; }

    /// <summary>Standard output as text.</summary>
    public TextWriter Text { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Colours and progress, where a person is watching.</summary>
    public Terminal Terminal { get; }

    /// <summary>
    /// The words the reports use for what settles a finding: the command line's options by default; a host that
    /// runs the commands in-process (libcriuimage) passes the library's, since its callers never typed an option.
    /// </summary>
    public RemedyWords Words { get; init; } = CliRemedyWords.Instance;

    /// <summary>Opens the image at <paramref name="path"/>, or standard input for <c>-</c>, for a streaming read.</summary>
    public ImageReader OpenImage(string path) => path == "-" ? ImageReader.Create(Input, leaveOpen: true) : ImageReader.Open(path);

    /// <summary>Reads all of <paramref name="path"/>, or of standard input for <c>-</c>.</summary>
    public async Task<byte[]> ReadAllBytesAsync(string path, CancellationToken cancellationToken)
    {
        if (path != "-")
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }

        using var buffer = new MemoryStream();
        await Input.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
