using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Topology;

/// <summary>
/// The host a dump is to be restored on, loaded once for every KFD image checked against it: its KFD
/// topology (or why CRIU's parser refuses it), the restore's <c>KFD_*_CHECK</c> variables, and its kernel
/// release when known. <see cref="Verification.VerifyOptions.Host"/> takes one.
/// </summary>
public sealed class HostTarget
{
    private HostTarget(string path, KfdTopology? topology, InputDamage? unparsable, MatchEnvironment environment, string? kernelRelease)
    {
        Path = path;
        Topology = topology;
        Unparsable = unparsable;
        Environment = environment;
        KernelRelease = kernelRelease;
    }

    /// <summary>The target as the user named it.</summary>
    public string Path { get; }

    /// <summary>The target's topology as CRIU reads it; null when CRIU's parser refuses it (<see cref="Unparsable"/>).</summary>
    public KfdTopology? Topology { get; }

    /// <summary>Why CRIU cannot parse the target's topology (CRI410), or null.</summary>
    public InputDamage? Unparsable { get; }

    /// <summary>The restore's environment switches.</summary>
    public MatchEnvironment Environment { get; }

    /// <summary>The target's kernel release: as given, else as the host snapshot recorded it; null when unknown.</summary>
    public string? KernelRelease { get; }

    /// <summary>The restore profile of <see cref="KernelRelease"/> (<see cref="KernelProfile.ForRelease"/>); null when unknown.</summary>
    public KernelProfile? Profile => KernelRelease is { } release ? KernelProfile.ForRelease(release) : null;

    /// <summary>
    /// Loads the target at <paramref name="path"/> (a folder like <c>/sys/class/kfd/kfd/topology</c>, a tar of
    /// it, or a host snapshot; <see cref="HostTopology.Load"/>). A topology CRIU's parser refuses is kept as
    /// <see cref="Unparsable"/>; a missing or damaged input throws <see cref="TopologyFormatException"/> or
    /// <see cref="IOException"/>. <paramref name="kernelRelease"/>, when given, overrides the snapshot's.
    /// </summary>
    public static HostTarget Load(string path, MatchEnvironment environment, string? kernelRelease = null, bool diskOrder = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(environment);
        try
        {
            KfdTopology topology = HostTopology.Load(path, diskOrder);
            return new HostTarget(path, topology, null, environment, kernelRelease ?? topology.KernelRelease);
        }
        catch (TopologyFormatException e) when (e.CriuRefuses)
        {
            return new HostTarget(path, null, InputDamage.Of(e), environment, kernelRelease);
        }
    }

    /// <summary>Would the checkpointed topology <paramref name="checkpointed"/> restore here (<see cref="HostCheck.Run(KfdTopology, KfdTopology, MatchEnvironment)"/>).</summary>
    public HostCheckResult Check(KfdTopology checkpointed)
    {
        ArgumentNullException.ThrowIfNull(checkpointed);
        return Topology is { } target ? HostCheck.Run(checkpointed, target, Environment) : HostCheck.Unparsable(Unparsable!, Environment);
    }

    /// <summary>
    /// Would the GPUs of the KFD image <paramref name="kfd"/> restore here (its topology by
    /// <see cref="CheckpointTopology.FromKfd"/>)? Counts above the entries the image holds make CRIU read past
    /// them before any matching: that is CRI414, whatever the target.
    /// </summary>
    public HostCheckResult Check(CriuKfd kfd)
    {
        ArgumentNullException.ThrowIfNull(kfd);
        long counted = (long)kfd.NumOfGpus + kfd.NumOfCpus;
        if (counted > kfd.DeviceEntries.Count)
        {
            string message = $"num_of_gpus {kfd.NumOfGpus} + num_of_cpus {kfd.NumOfCpus} = {counted}, but the image holds {kfd.DeviceEntries.Count} device entries: devinfo_to_topology reads device_entries[{kfd.DeviceEntries.Count}..{counted - 1}] past the array protobuf-c unpacked (amdgpu_plugin.c:1979), undefined behaviour before any matching; were it to survive, RESTORE's num_devices {kfd.NumOfGpus} against the process's GPUs is -EINVAL (criu_restore_devices)";
            return new HostCheckResult(false, CriuOutcome.Crashes, [], [new HostFinding(Descriptors.SearchCrashes, message)])
            {
                SwitchesOff = [.. Environment.Off.Select(MatchEnvironment.NameOf)],
            };
        }

        return Check(CheckpointTopology.FromKfd(kfd));
    }
}
