using System.Diagnostics;

namespace CriuImage.Tests.Support;

/// <summary>Runs the built <c>criu-image</c> as a child process under <c>/bin/sh</c>, for what only a real process shows: closed or full standard streams, signals.</summary>
internal static class CliProcess
{
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "criu-image");

    /// <summary>
    /// Runs <c>criu-image ARGS REDIRECTIONS</c> through the shell (arguments quoted, redirections as given);
    /// redirections that close a <c>}</c> run it inside <c>{ ... }</c>.
    /// </summary>
    public static async Task<(int Code, string Output, string Error)> Shell(string redirections, params string[] args)
    {
        string command = $"{Quote(Executable)} {string.Join(' ', args.Select(Quote))} {redirections}";
        if (redirections.Contains('}', StringComparison.Ordinal))
        {
            command = "{ " + command;
        }

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs a bash script in which <c>$CLI</c> is the built <c>criu-image</c> (for descriptors, <c>&lt;(...)</c>, other users); standard input is empty.</summary>
    public static async Task<(int Code, string Output, string Error)> Bash(string script)
    {
        var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["CLI"] = Executable;
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary><paramref name="argument"/> quoted for the shell.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
