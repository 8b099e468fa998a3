using CriuImage.Json;

namespace CriuImage.Analyzer;

/// <summary>
/// Runs a command body and turns the failures a user can cause (a damaged image, a bad document, a missing
/// file) into one line on standard error and <see cref="ExitCodes.Unusable"/>: never a stack trace.
/// Anything else is a bug and is left to crash loudly.
/// </summary>
internal static class CommandErrors
{
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
