using System.CommandLine;
using CriuImage.Kernel;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// <c>--kernel-has FEATURE=yes|no</c>: what the target kernel has where its release does not say. One parser and
/// one wording for every command that replays a restore (verify, plan, restorable).
/// </summary>
internal sealed class KernelHasOption
{
    private const string ChangeHandle = "change-handle";

    private readonly Option<string[]> _option = new("--kernel-has")
    {
        Description = "What the target kernel has, where its release does not say (repeatable): change-handle=yes|no (DRM_IOCTL_GEM_CHANGE_HANDLE), "
            + "queue-buffers=yes|no (CRIU queue restore looks queue buffers up, d3f670cfb535), mes-queue-check=yes|no (a MES GPU's queue without them is refused, not an oops), "
            + "queue-types-without-diq=yes|no (KFD_QUEUE_TYPE_DIQ removed), event-page-check=yes|no (an event page under 32 KiB refused, 8a70a26c9f34).",
        AllowMultipleArgumentsPerToken = false,
    };

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
            int at = statement.IndexOf('=', StringComparison.Ordinal);
            string name = at < 0 ? statement : statement[..at];
            bool? has = at < 0 ? null : statement[(at + 1)..] switch
            {
                "yes" => true,
                "no" => false,
                _ => null,
            };
            bool known = name == ChangeHandle || KfdReleaseFacts.Names.Contains(name);
            if (has is not { } value || !known)
            {
                string names = string.Join(", ", [ChangeHandle, .. KfdReleaseFacts.Names]);
                await error.WriteLineAsync(Reporting.Printable.Escape($"criu-image: error: --kernel-has '{statement}': give FACT=yes or FACT=no, FACT one of {names}"));
                return default;
            }

            KernelProfile profile = target ?? host?.Profile ?? KernelProfile.Linux6_18;
            string source = $"stated by --kernel-has {statement}";
            target = name == ChangeHandle ? profile.WithChangeHandle(value, source) : profile.WithKfdFact(name, value, source);
        }

        return (true, target);
    }
}
