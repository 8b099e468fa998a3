using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Json;
using CriuImage.Reporting;
using CriuImage.Topology;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// Runs a command body and turns the failures a user can cause (a damaged image, a bad document, a missing
/// file, an output that cannot be written) into one line on standard error and
/// <see cref="ExitCodes.Unusable"/>: never a stack trace. Anything else reaches <see cref="Program"/>'s guard.
/// </summary>
internal static class CommandErrors
{
    /// <summary>
    /// Like <see cref="RunAsync"/> for a command that writes <paramref name="output"/> (null or <c>-</c>:
    /// standard output), refusing first an empty output path and an output that is the input itself.
    /// </summary>
    public static async Task<int> RunWritingAsync(string input, string? output, TextWriter error, Func<Task<int>> body)
    {
        if (output == "")
        {
            await error.WriteLineAsync("criu-image: error: the output path is empty (-o - writes to standard output)");
            return ExitCodes.Unusable;
        }

        if (output is not null and not "-" && await OverwritesInputAsync(InputIdentities.Of([input]), output, error))
        {
            return ExitCodes.Unusable;
        }

        return await RunAsync(input, error, body);
    }

    /// <summary>True, after one line on <paramref name="error"/>, when writing <paramref name="output"/> would overwrite one of <paramref name="inputs"/> (itself, or through a link).</summary>
    public static async Task<bool> OverwritesInputAsync(InputIdentities inputs, string output, TextWriter error)
    {
        if (inputs.Overwritten(output) is not { } input)
        {
            return false;
        }

        // A file found below a folder input is named as part of it; a file named on the command line is the input.
        await error.WriteLineAsync(Printable.Escape(inputs.Named.Contains(input)
            ? $"{input}: error: the output {output} is the input itself; it would be overwritten"
            : $"{input}: error: the output {output} is this file of the input (a link to it or another name of it); it would be overwritten"));
        return true;
    }

    /// <summary>True, after one line on <paramref name="error"/>, when <c>-</c> is among <paramref name="paths"/> more than once: standard input can be read only once.</summary>
    public static async Task<bool> StandardInputTwiceAsync(IEnumerable<string> paths, TextWriter error)
    {
        if (paths.Count(p => p == "-") < 2)
        {
            return false;
        }

        await error.WriteLineAsync("criu-image: error: - is given more than once: standard input can be read only once");
        return true;
    }

    /// <summary>
    /// One line per CRIU file of <paramref name="files"/> that CRIU cannot read (a damaged header or wire, or a
    /// message protobuf-c's unpack refuses), as verify reports it unreadable; true when there was one, which makes
    /// the exit status 2 in every command.
    /// </summary>
    public static async Task<bool> ReportDamageAsync(IEnumerable<CriuDumpFile> files, TextWriter error)
    {
        bool any = false;
        foreach (CriuDumpFile file in files)
        {
            if (file.UnreadableToCriu is { } damage)
            {
                await error.WriteLineAsync(Printable.Escape($"{file.Input.Path}: error: {damage.Message}"));
                any = true;
            }
        }

        return any;
    }

    /// <summary>
    /// The one line for an input that is not what it should be, whatever its kind: an image or CRIU file at its
    /// byte (with a hint when it is another kind of file), a JSON document at its line and column, a topology at
    /// the file of it at fault. <paramref name="name"/> is how <paramref name="input"/> is named (<c>&lt;stdin&gt;</c> for <c>-</c>).
    /// </summary>
    public static string InputLine(string input, string name, InputFormatException e) => e switch
    {
        ImageFormatException image => $"{name}: error: {image.Message}{InputKinds.Hint(input, image)}",
        InterchangeException json => $"{name}({json.Line},{json.Column}): error: {json.Detail}",
        TopologyFormatException { Path: var where } topology when where.StartsWith(input, StringComparison.Ordinal) => $"{where}: error: {topology.Detail}",
        _ => $"{name}: error: {e.Message}",
    };

    /// <summary>
    /// The one line for an input of a host's commands (a topology, a host snapshot) that cannot be used: bad
    /// (<see cref="InputLine"/>) or unreadable (in the tool's words, <see cref="IoMessages"/>).
    /// </summary>
    public static string HostInputLine(string input, Exception e) =>
        e is InputFormatException bad ? InputLine(input, input, bad) : $"{input}: error: {IoMessages.Of(e)}";

    /// <summary>Runs <paramref name="body"/>, reporting <paramref name="input"/> as the file at fault; a hint of what the file is instead reads <paramref name="readFrom"/> (its kept descriptor) where given, else the path.</summary>
    public static async Task<int> RunAsync(string input, TextWriter error, Func<Task<int>> body, string? readFrom = null)
    {
        if (input == "")
        {
            await error.WriteLineAsync("criu-image: error: the input path is empty (- reads standard input)");
            return ExitCodes.Unusable;
        }

        string name = input;
        string message;
        try
        {
            return await body();
        }
        catch (OutputException e)
        {
            message = $"criu-image: error: {e.Message}";
        }
        catch (InputRefusedException e)
        {
            message = e.Message;
        }
        catch (ScratchFileException e)
        {
            message = $"criu-image: error: {e.Message}";
        }
        catch (InputFormatException e)
        {
            message = InputLine(readFrom ?? input, name, e);
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(input))
        {
            // Opening a folder as a file is EISDIR, which .NET reports as "access denied": say what it is.
            message = $"{name}: error: a folder, not a file: this command reads one file ('criu-image verify', 'info', 'decode', 'show' and 'import' take folders)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            message = $"{name}: error: {IoMessages.Of(e)}";
        }

        await error.WriteLineAsync(Printable.Escape(message));
        return ExitCodes.Unusable;
    }
}

/// <summary>An input that is not what the command reads; <see cref="Exception.Message"/> is the whole line to print.</summary>
internal sealed class InputRefusedException(string line) : Exception(line);
