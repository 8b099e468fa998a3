using System.CommandLine;
using CriuImage.Diagnostics;
using CriuImage.Restore;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// The options of CRIU's restore that verify and plan share: <c>--criu VERSION</c> (the CRIU that restores),
/// <c>--contents serial|parallel</c> (criu-dev's contents path) and <c>--kernel-has FEATURE=yes|no</c> (what the
/// target kernel has, where its release does not say).
/// </summary>
internal sealed class ReplayCliOptions
{
    private readonly Option<string?> _criu = new("--criu") { Description = $"The CRIU that restores: {CriuVersion.Names} (default: the revision that wrote the dump)." };
    private readonly Option<string?> _contents = new("--contents") { Description = "criu-dev's KFD contents path: parallel when the restored root task has no children, serial otherwise (default: parallel for a dump of one process)." };
    private readonly KernelHasOption _kernelHas = new();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        _contents.AcceptOnlyFromAmong("serial", "parallel");
        command.Options.Add(_criu);
        command.Options.Add(_contents);
        _kernelHas.AddTo(command);
    }

    /// <summary>
    /// The replay options and the target kernel with what <c>--kernel-has</c> states (applied to <paramref name="target"/>,
    /// else the host's kernel, else a 6.18 kernel), the replay worded in <paramref name="words"/>; false after one line on <paramref name="error"/> when a value is unknown.
    /// </summary>
    public async Task<(bool Usable, ReplayOptions Options, KernelProfile? Target)> ResolveAsync(ParseResult parse, KernelProfile? target, Topology.HostTarget? host, TextWriter error, RemedyWords words)
    {
        CriuVersion? criu = null;
        if (parse.GetValue(_criu) is { } name && (criu = CriuVersion.Parse(name)) is null)
        {
            await error.WriteLineAsync(Reporting.Printable.Escape($"criu-image: error: --criu '{name}' is no CRIU version known here: give {CriuVersion.Names}"));
            return default;
        }

        bool? parallel = parse.GetValue(_contents) is { } contents ? contents == "parallel" : null;
        (bool usable, target) = await _kernelHas.ApplyAsync(parse, target, host, error);
        if (!usable)
        {
            return default;
        }

        return (true, new ReplayOptions(criu, parallel) { Words = words }, target);
    }
}
