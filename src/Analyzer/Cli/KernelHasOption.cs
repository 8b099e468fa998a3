using System.CommandLine;
using CriuImage.Kernel;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// <c>--kernel-has FEATURE=yes|no</c>: what the target kernel has where its release does not say. One parser and
/// one wording for every command that replays a restore (verify, plan, restorable).
/// </summary>
internal sealed class KernelHasOption
{
    private readonly Option<string[]> _option = new("--kernel-has") { Description = "What the target kernel has, where its release does not say: change-handle=yes|no (DRM_IOCTL_GEM_CHANGE_HANDLE).", AllowMultipleArgumentsPerToken = false };

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(_option);

    /// <summary>
    /// <paramref name="target"/> (else the host's kernel, else a 6.18 kernel) with what the option states; the target
    /// unchanged when it is not given; false after one line on <paramref name="error"/> when a statement is unknown.
    /// </summary>
    public async Task<(bool Usable, KernelProfile? Target)> ApplyAsync(ParseResult parse, KernelProfile? target, Topology.HostTarget? host, TextWriter error)
    {
        foreach (string statement in parse.GetValue(_option) ?? [])
        {
            bool? has = statement switch
            {
                "change-handle=yes" => true,
                "change-handle=no" => false,
                _ => null,
            };
            if (has is not { } value)
            {
                await error.WriteLineAsync(Reporting.Printable.Escape($"criu-image: error: --kernel-has '{statement}': give change-handle=yes or change-handle=no"));
                return default;
            }

            target = (target ?? host?.Profile ?? KernelProfile.Linux6_18).WithChangeHandle(value, $"stated by --kernel-has {statement}");
        }

        return (true, target);
    }
}
