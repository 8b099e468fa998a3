namespace CriuImage.Analyzer.Cli;

/// <summary>A one-line progress display on standard error while a compressed archive is read, shown only on a terminal.</summary>
internal static class TerminalProgress
{
    /// <summary>The progress callback for <paramref name="error"/>, or null when it is not the console's terminal.</summary>
    public static Action<string, long>? For(TextWriter error)
    {
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return null;
        }

        return (input, consumed) => error.Write(consumed < 0 ? "\r\u001b[K" : $"\r{input}: {consumed >> 20} MiB of the compressed archive read\u001b[K");
    }
}
