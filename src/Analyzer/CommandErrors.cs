using CriuImage.Json;

namespace CriuImage.Analyzer;

/// <summary>
/// Runs a command body and turns the failures a user can cause (a damaged image, a bad document, a missing
/// file) into one line on standard error and <see cref="ExitCodes.Unusable"/>: never a stack trace.
/// Anything else is a bug and is left to crash loudly.
/// </summary>
internal static class CommandErrors
{
    /// <summary>
    /// Like <see cref="RunAsync"/> for a command that writes <paramref name="output"/> (null: standard
    /// output), refusing first to write over its own input.
    /// </summary>
    public static async Task<int> RunWritingAsync(string input, string? output, TextWriter error, Func<Task<int>> body)
    {
        if (output is not null && Path.GetFullPath(output) == Path.GetFullPath(input))
        {
            await error.WriteLineAsync($"{input}: error: the output would overwrite the input");
            return ExitCodes.Unusable;
        }

        return await RunAsync(input, error, body);
    }

    /// <summary>Runs <paramref name="body"/>, reporting <paramref name="input"/> as the file at fault.</summary>
    public static async Task<int> RunAsync(string input, TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ImageFormatException e)
        {
            await error.WriteLineAsync($"{input}: error: {e.Message}");
        }
        catch (InterchangeException e)
        {
            await error.WriteLineAsync($"{input}({e.Line},{e.Column}): error: {e.Detail}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{input}: error: {e.Message}");
        }

        return ExitCodes.Unusable;
    }
}
