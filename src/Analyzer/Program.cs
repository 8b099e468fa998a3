using System.CommandLine;
using System.Runtime.InteropServices;
using CriuImage.Analyzer.Cli;
using CriuImage.Analyzer.Commands;
using CriuImage.Diagnostics;
using CriuImage.IO;
using CriuImage.Input;
using CriuImage.Reporting;

namespace CriuImage.Analyzer;

/// <summary>The <c>criu-image</c> command line.</summary>
public static class Program
{
    /// <summary>Runs the tool with the console's standard streams.</summary>
    public static async Task<int> Main(string[] args)
    {
        await using Stream input = ClosedStandardStreams.IsClosed(0) ? ClosedStandardStreams.Reserve(0)
            : InputPaths.StandardInputProblem() is { } refused ? ClosedStandardStreams.Refuse(refused) : Console.OpenStandardInput();
        await using Stream output = ClosedStandardStreams.IsClosed(1) ? ClosedStandardStreams.Reserve(1) : Console.OpenStandardOutput();
        // Ctrl-C cancels the command, which then removes what it was writing; a second Ctrl-C ends the process at once.
        using var interrupt = new CancellationTokenSource();
        using PosixSignalRegistration registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
        {
            signal.Cancel = !interrupt.IsCancellationRequested;
            interrupt.Cancel();
        });
        return await RunAsync(args, new StandardStreams(input, output, Console.Error, Terminal.ForConsole()), interrupt.Token);
    }

    /// <summary>Runs the tool with the given writers, so that tests see exactly what a user would; standard input is empty.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, new StandardStreams(Stream.Null, new TextWriterStream(output), error, Terminal.Plain));

    /// <summary>
    /// Runs the tool in-process for a host with its own callers (libcriuimage): as <see cref="RunAsync(string[], TextWriter, TextWriter)"/>,
    /// with the reports worded in <paramref name="words"/> instead of the command line's options.
    /// </summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, RemedyWords words) =>
        RunAsync(args, new StandardStreams(Stream.Null, new TextWriterStream(output), error, Terminal.Plain) { Words = words });

    /// <summary>Runs the tool with the given standard input and output as bytes (for <c>-</c> as an input or output).</summary>
    public static Task<int> RunAsync(string[] args, Stream input, Stream output, TextWriter error) =>
        RunAsync(args, new StandardStreams(input, output, error, Terminal.Plain));

    /// <summary>
    /// The guard around every command: whatever escapes a command (a bug included) becomes one line and
    /// <see cref="ExitCodes.Unusable"/>, with the detail only under <c>--verbose</c>.
    /// </summary>
    private static async Task<int> RunAsync(string[] args, StandardStreams std, CancellationToken cancellationToken = default)
    {
        TextWriter error = std.Error;
        // Scratch files kept by what the command read (a KFD image's BO values past their budget) close when it ends.
        using RunScratch scratch = RunScratch.Begin();
        try
        {
            int code = await RunCommandAsync(args, std, cancellationToken);
            await std.Text.FlushAsync();
            await std.Output.FlushAsync();
            return code;
        }
        catch (OutputException e)
        {
            await error.WriteLineAsync(Printable.Escape($"criu-image: error: {e.Message}"));
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("criu-image: interrupted");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync(Printable.Escape($"criu-image: error: unexpected {e.GetType().Name}: {e.Message}"));
            await error.WriteLineAsync(args.Contains(GlobalOptions.VerboseName) ? e.ToString() : $"(run with {GlobalOptions.VerboseName} for the details)");
        }

        return ExitCodes.Unusable;
    }

    private static async Task<int> RunCommandAsync(string[] args, StandardStreams std, CancellationToken cancellationToken)
    {
        TextWriter output = std.Text;
        TextWriter error = std.Error;
        Command root = CreateRoot();
        foreach (Command command in new[]
        {
            DecodeCommand.Create(std),
            EncodeCommand.Create(std),
            CaptureCommand.Create(std),
            InfoCommand.Create(std),
            VerifyCommand.Create(std),
            ImportCommand.Create(std),
            PlanCommand.Create(std),
            RestorableCommand.Create(std),
            HostSnapshotCommand.Create(std),
            HostCheckCommand.Create(output, error),
            ShowCommand.Create(std),
            DiffCommand.Create(std),
            StatsCommand.Create(std),
            CompletionCommand.Create(std),
        })
        {
            root.Subcommands.Add(command);
        }

        root.Options.Add(GlobalOptions.Verbose);
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        if (args.Length == 0)
        {
            // No command: the usage, on standard error since nothing was done.
            await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = error, Error = error });
            return ExitCodes.Unusable;
        }

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 || ParseErrors.UnknownOptions(parse).Count > 0)
        {
            await ParseErrors.WriteAsync(parse, error);
            return ExitCodes.Unusable;
        }

        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    /// <summary>
    /// The root command. RootCommand names itself from the process's command line, which a host that loads the
    /// tool as a library (libcriuimage's verify and plan) does not have; there the root is built with the same
    /// name and options by hand.
    /// </summary>
    private static Command CreateRoot() => Environment.GetCommandLineArgs().Length > 0
        ? new RootCommand(HelpText.Root)
        : new Command(ToolInfo.Name, HelpText.Root) { new System.CommandLine.Help.HelpOption(), new VersionOption() };
}
