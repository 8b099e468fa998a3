using CriuImage.Analyzer;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Tests.Support;

/// <summary>Runs <c>criu-image</c> in-process with captured output, as a user would see it.</summary>
internal static class Cli
{
    public static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await Program.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
