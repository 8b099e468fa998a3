using CriuImage.IO;
using CriuImage.Json;
using CriuImage.Reporting;

namespace CriuImage.Analyzer;

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

        if (output is not null and not "-" && input is not "" and not "-" && OutputFile.IsSameFile(output, input))
        {
            await error.WriteLineAsync(Printable.Escape($"{input}: error: the output {output} is the input itself; it would be overwritten"));
            return ExitCodes.Unusable;
        }

        return await RunAsync(input, error, body);
    }

    /// <summary>Runs <paramref name="body"/>, reporting <paramref name="input"/> as the file at fault.</summary>
    public static async Task<int> RunAsync(string input, TextWriter error, Func<Task<int>> body)
    {
        if (input == "")
        {
            await error.WriteLineAsync("criu-image: error: the input path is empty (- reads standard input)");
            return ExitCodes.Unusable;
        }

        string name = input == "-" ? "<stdin>" : input;
        string message;
        try
        {
            return await body();
        }
        catch (OutputException e)
        {
            message = $"criu-image: error: {e.Message}";
        }
        catch (ImageFormatException e)
        {
            message = $"{name}: error: {e.Message}{InputKinds.Hint(input, e)}";
        }
        catch (InterchangeException e)
        {
            message = $"{name}({e.Line},{e.Column}): error: {e.Detail}";
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(input))
        {
            // Opening a folder as a file is EISDIR, which .NET reports as "access denied": say what it is.
            message = $"{name}: error: a folder, not a file: this command reads one file ('criu-image verify', 'info', 'decode', 'show' and 'import' take folders)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            message = $"{name}: error: {e.Message}";
        }

        await error.WriteLineAsync(Printable.Escape(message));
        return ExitCodes.Unusable;
    }
}
