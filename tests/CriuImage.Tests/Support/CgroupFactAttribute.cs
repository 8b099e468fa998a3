namespace CriuImage.Tests.Support;

/// <summary>
/// A test that makes cgroups with a memory limit (scripts/bench-cgroup.sh): run as root where cgroup v1's memory
/// hierarchy or v2's memory controller is there, skipped (saying why) elsewhere, as on a CI machine without root.
/// </summary>
public sealed class CgroupFactAttribute : FactAttribute
{
    public CgroupFactAttribute()
    {
        bool v1 = File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        bool v2 = File.Exists("/sys/fs/cgroup/cgroup.subtree_control") && File.ReadAllText("/sys/fs/cgroup/cgroup.subtree_control").Contains("memory", StringComparison.Ordinal);
        if (Environment.UserName != "root" || !(v1 || v2))
        {
            Skip = "needs root and a cgroup memory controller (v1's memory hierarchy, or v2 with memory in /sys/fs/cgroup/cgroup.subtree_control)";
        }
    }
}
