using System.CommandLine;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image completion</c> accepts: its arguments and options with their help. <see cref="CompletionCommand"/> runs it.</summary>
internal sealed class CompletionCommandDefinition : Command
{
    public CompletionCommandDefinition()
        : base("completion", "Print a shell completion script. bash: criu-image completion bash > /etc/bash_completion.d/criu-image; zsh: criu-image completion zsh > \"${fpath[1]}/_criu-image\"; fish: criu-image completion fish > ~/.config/fish/completions/criu-image.fish.")
    {
        Shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        Arguments.Add(Shell);
    }

    public Argument<string> Shell { get; } = new("SHELL") { Description = "bash, zsh or fish." };
}
