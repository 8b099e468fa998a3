using System.CommandLine;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Topology;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// The restore host options verify and plan share: <c>--host TOPOLOGY</c>, <c>--env NAME=VALUE</c>...,
/// <c>--target-kernel RELEASE</c> and <c>--disk-order</c>, resolved together with <c>--target</c>.
/// </summary>
internal sealed class RestoreHostOptions
{
    private readonly Option<string?> _host = new("--host") { Description = "The restore host: a folder like /sys/class/kfd/kfd/topology, a tar of it, or a host snapshot (docs/host-check.md); each dump's KFD images are matched against it as CRIU does." };
    private readonly Option<string[]> _env = new("--env") { Description = "With --host: a KFD_*_CHECK variable of the restore, NAME=VALUE (repeatable).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _targetKernel = new("--target-kernel") { Description = "The restore host's kernel release (6.18.3); with --host, overrides the one a host snapshot records. Selects the --target profile: 6.18 from 6.18 on, pre-6.18 before." };
    private readonly Option<bool> _diskOrder = new("--disk-order") { Description = "With --host: take a topology folder's entries in the order the file system lists them instead of rebuilding kernfs order." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_host);
        command.Options.Add(_env);
        command.Options.Add(_targetKernel);
        command.Options.Add(_diskOrder);
    }

    /// <summary>
    /// The kernel the run targets (<c>--target</c>, else the profile of <c>--target-kernel</c>; null: each image's
    /// default or the host's) and, with <c>--host</c>, the host loaded once. False after one line on
    /// <paramref name="error"/> when they cannot be used.
    /// </summary>
    public async Task<(bool Usable, KernelProfile? Target, HostTarget? Host)> ResolveAsync(ParseResult parse, KernelProfile? target, TextWriter error)
    {
        string? release = parse.GetValue(_targetKernel);
        string? hostPath = parse.GetValue(_host);
        string[]? env = parse.GetValue(_env);
        bool diskOrder = parse.GetValue(_diskOrder);
        KernelProfile? releaseProfile = null;
        if (release is not null && (releaseProfile = KernelProfile.ForRelease(release)) is null)
        {
            await error.WriteLineAsync(Printable.Escape($"criu-image: error: --target-kernel '{release}' is not a kernel release (MAJOR.MINOR...)"));
            return default;
        }

        // --target names a line; the release says more of it (its KFD facts), so it is taken when the two agree.
        if (target is not null && releaseProfile is not null && target != releaseProfile with { Kfd = target.Kfd })
        {
            await error.WriteLineAsync($"criu-image: error: --target {target} contradicts --target-kernel {release} (profile {releaseProfile})");
            return default;
        }

        if (hostPath is null)
        {
            if (env is { Length: > 0 } || diskOrder)
            {
                await error.WriteLineAsync("criu-image: error: --env and --disk-order need --host");
                return default;
            }

            return (true, releaseProfile ?? target, null);
        }

        if (hostPath.Length == 0 || hostPath == "-")
        {
            await error.WriteLineAsync(hostPath.Length == 0 ? "criu-image: error: --host: the path is empty" : "criu-image: error: --host does not read standard input: give the topology folder, its tar or a host snapshot file");
            return default;
        }

        if (EnvAssignments.Parse(env, out string? bad) is not { } variables)
        {
            await error.WriteLineAsync(bad);
            return default;
        }

        try
        {
            return (true, target, HostTarget.Load(hostPath, MatchEnvironment.FromVariables(variables), release, diskOrder));
        }
        catch (Exception e) when (e is InputFormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(Printable.Escape(CommandErrors.HostInputLine(hostPath, e)));
            return default;
        }
    }
}
