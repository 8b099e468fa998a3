using Spectre.Console;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// Colours and progress (Spectre.Console) for a person at a terminal only: never in a pipe or a file, and
/// never with <c>NO_COLOR</c> set or <c>TERM=dumb</c> (https://no-color.org), so scripts see plain text.
/// </summary>
internal sealed class Terminal(bool colourOutput, bool progressOnError, TextWriter error)
{
    /// <summary>No colours, no progress: what tests and pipes get.</summary>
    public static readonly Terminal Plain = new(false, false, TextWriter.Null);

    /// <summary>The console's own streams, as this process was started.</summary>
    public static Terminal ForConsole()
    {
        bool allowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && Environment.GetEnvironmentVariable("TERM") != "dumb";
        return new Terminal(allowed && !Console.IsOutputRedirected, allowed && !Console.IsErrorRedirected, Console.Error);
    }

    /// <summary>True when standard output gets colours.</summary>
    public bool ColourOutput => colourOutput;

    /// <summary>A verify text report with severities and statuses coloured, when standard output is a terminal.</summary>
    public string Colour(string report) => colourOutput ? Coloured(report) : report;

    /// <summary>
    /// Runs <paramref name="work"/>, showing on standard error how much of <paramref name="total"/> is done
    /// (files, or bytes of one large file), when it is a terminal and <paramref name="worthShowing"/>.
    /// </summary>
    public Task<T> WithProgressAsync<T>(string title, long total, bool worthShowing, Func<IProgress<long>?, Task<T>> work) =>
        progressOnError && worthShowing ? WithProgressBarAsync(title, total, work) : work(null);

    // Spectre.Console is touched only below, so a run without a terminal never loads it (a start-up cost).
    private static string Coloured(string report)
    {
        using var text = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.Standard, Out = new AnsiConsoleOutput(text) });
        console.Profile.Width = int.MaxValue; // a report line is never wrapped: one line is one finding
        foreach (string line in report.Split('\n'))
        {
            string markup = Markup.Escape(line);
            foreach ((string word, string style) in new[] { ("error", "red"), ("warning", "yellow"), ("note", "blue"), ("ok", "green"), ("unreadable", "red"), ("findings", "yellow") })
            {
                markup = markup.Replace($": {word} ", $": [{style}]{word}[/] ", StringComparison.Ordinal).Replace($": {word}:", $": [{style}]{word}[/]:", StringComparison.Ordinal);
            }

            console.Markup(markup);
            console.Write("\n");
        }

        string coloured = text.ToString();
        return coloured.EndsWith("\n\n", StringComparison.Ordinal) ? coloured[..^1] : coloured;
    }

    private async Task<T> WithProgressBarAsync<T>(string title, long total, Func<IProgress<long>?, Task<T>> work)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return await console.Progress().AutoClear(true).StartAsync(async context =>
        {
            ProgressTask task = context.AddTask(Markup.Escape(title), maxValue: total);
            return await work(new Progress<long>(done => task.Value = done));
        });
    }
}
