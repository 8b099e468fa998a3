using System.CommandLine;
using CriuImage.Analyzer.Commands;

namespace CriuImage.Analyzer;

/// <summary>The <c>criu-image</c> command line.</summary>
public static class Program
{
    /// <summary>Runs the tool with the console as standard output and error.</summary>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Runs the tool with the given writers, so that tests see exactly what a user would.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("criu-image: read, write and check AMD GPU (amdgpu) checkpoint images.")
        {
            DecodeCommand.Create(output, error),
            EncodeCommand.Create(error),
            InfoCommand.Create(output, error),
            VerifyCommand.Create(output, error),
            ImportCommand.Create(error),
            PlanCommand.Create(output, error),
            HostSnapshotCommand.Create(output, error),
            HostCheckCommand.Create(output, error),
        };
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError problem in parse.Errors)
            {
                await error.WriteLineAsync($"criu-image: error: {problem.Message}");
            }

            await error.WriteLineAsync("Run 'criu-image --help' for usage.");
            return ExitCodes.Unusable;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}
