using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image host-check</c> accepts: its arguments and options with their help. <see cref="HostCheckCommand"/> runs it.</summary>
internal sealed class HostCheckCommandDefinition : Command
{
    public HostCheckCommandDefinition()
        : base("host-check", "Would a checkpoint from the source host restore on the target host (CRIU's amdgpu GPU matching, replayed); exit 1 if not.")
    {
        Options.Add(Source);
        Options.Add(Host);
        Options.Add(Env);
        Options.Add(Format);
        Options.Add(DiskOrder);
    }

    public Option<string> Source { get; } = new("--source") { Description = "The checkpoint host's topology: a folder like /sys/class/kfd/kfd/topology, a tar of it, or a host snapshot.", Required = true };

    public Option<string> Host { get; } = new("--host") { Description = "The target host's topology, in the same forms.", Required = true };

    public Option<string[]> Env { get; } = new("--env") { Description = "A KFD_*_CHECK variable of the restore, NAME=VALUE (repeatable).", AllowMultipleArgumentsPerToken = false };

    public Option<string> Format { get; } = FormatOption.Create("text or json.", "text", "json");

    public Option<bool> DiskOrder { get; } = new("--disk-order") { Description = "Take a folder's entries in the order the file system lists them instead of rebuilding kernfs order." };
}
