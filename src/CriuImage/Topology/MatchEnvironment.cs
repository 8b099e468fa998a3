namespace CriuImage.Topology;

/// <summary>The switches CRIU's amdgpu plugin reads from the environment at restore (amdgpu_plugin.c:390-405).</summary>
public enum CheckSwitch
{
    /// <summary><c>KFD_FW_VER_CHECK</c>: checkpointed fw_version at most the target's.</summary>
    FwVersion,

    /// <summary><c>KFD_SDMA_FW_VER_CHECK</c>: checkpointed sdma_fw_version at most the target's.</summary>
    SdmaFwVersion,

    /// <summary><c>KFD_CACHES_COUNT_CHECK</c>: checkpointed caches_count at most the target's.</summary>
    CachesCount,

    /// <summary><c>KFD_NUM_GWS_CHECK</c>: checkpointed num_gws at most the target's.</summary>
    NumGws,

    /// <summary><c>KFD_VRAM_SIZE_CHECK</c>: checkpointed vram_size at most the target's.</summary>
    VramSize,

    /// <summary><c>KFD_NUMA_CHECK</c>: GPUs keep a consistent, one-to-one mapping of the CPU nodes they link to.</summary>
    Numa,

    /// <summary><c>KFD_CAPABILITY_CHECK</c>: capability equal.</summary>
    Capability,
}

/// <summary>
/// The values of CRIU's <c>KFD_*_CHECK</c> switches for one restore: all on by default
/// (amdgpu_plugin.c:391-397), turned off by <c>0</c> or <c>no</c> and on by <c>1</c> or <c>yes</c> (any case);
/// any other value is ignored with a message and the default stays (<c>getenv_bool</c>, amdgpu_plugin.c:309-322).
/// </summary>
public sealed class MatchEnvironment
{
    private static readonly (CheckSwitch Switch, string Name)[] Names =
    [
        (CheckSwitch.FwVersion, "KFD_FW_VER_CHECK"),
        (CheckSwitch.SdmaFwVersion, "KFD_SDMA_FW_VER_CHECK"),
        (CheckSwitch.CachesCount, "KFD_CACHES_COUNT_CHECK"),
        (CheckSwitch.NumGws, "KFD_NUM_GWS_CHECK"),
        (CheckSwitch.VramSize, "KFD_VRAM_SIZE_CHECK"),
        (CheckSwitch.Numa, "KFD_NUMA_CHECK"),
        (CheckSwitch.Capability, "KFD_CAPABILITY_CHECK"),
    ];

    private readonly HashSet<CheckSwitch> _off;

    private MatchEnvironment(HashSet<CheckSwitch> off, IReadOnlyList<string> ignored, IReadOnlyList<string> unknown)
    {
        _off = off;
        Ignored = ignored;
        Unknown = unknown;
    }

    /// <summary>CRIU's defaults: every check on.</summary>
    public static MatchEnvironment Default { get; } = new([], [], []);

    /// <summary>Assignments CRIU would ignore (<c>NAME=value</c> with a value other than 0/1/yes/no).</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>
    /// <c>KFD_*</c> names the plugin never reads (a misspelt switch, or one in lower case): CRIU reads the seven
    /// switches and <c>KFD_MAX_BUFFER_SIZE</c> only (amdgpu_plugin.c:399-408), so they change nothing.
    /// </summary>
    public IReadOnlyList<string> Unknown { get; }

    /// <summary>The variable name of a switch.</summary>
    public static string NameOf(CheckSwitch check) => Names.First(n => n.Switch == check).Name;

    /// <summary>
    /// Reads the switches from environment variables as CRIU does; variables that are not CRIU's
    /// <c>KFD_*_CHECK</c> switches are of no concern and are skipped, except <c>KFD_*</c> names the plugin does
    /// not read, which are kept in <see cref="Unknown"/>.
    /// </summary>
    public static MatchEnvironment FromVariables(IEnumerable<KeyValuePair<string, string>> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var off = new HashSet<CheckSwitch>();
        var ignored = new List<string>();
        var unknown = new List<string>();
        foreach ((string name, string value) in variables)
        {
            (CheckSwitch Switch, string Name)? known = Names.Select(n => ((CheckSwitch, string)?)n).FirstOrDefault(n => n!.Value.Item2 == name);
            if (known is not { } k)
            {
                if (name.StartsWith("KFD_", StringComparison.OrdinalIgnoreCase) && name != "KFD_MAX_BUFFER_SIZE")
                {
                    unknown.Add(name);
                }

                continue;
            }

            if (value == "0" || string.Equals(value, "no", StringComparison.OrdinalIgnoreCase))
            {
                off.Add(k.Switch);
            }
            else if (value == "1" || string.Equals(value, "yes", StringComparison.OrdinalIgnoreCase))
            {
                off.Remove(k.Switch);
            }
            else
            {
                ignored.Add($"{name}={value}");
            }
        }

        return new MatchEnvironment(off, ignored, unknown);
    }

    /// <summary>True when the check is on.</summary>
    public bool IsOn(CheckSwitch check) => !_off.Contains(check);

    /// <summary>The switches turned off, in CRIU's reading order.</summary>
    public IEnumerable<CheckSwitch> Off => Names.Select(n => n.Switch).Where(_off.Contains);

}
