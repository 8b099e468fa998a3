namespace CriuImage.Topology;

/// <summary>
/// One io_link of a node as CRIU keeps it (<c>struct tp_iolink</c>): only PCIe (2) and XGMI (11) links are
/// kept when a sysfs topology is read (amdgpu_plugin_topology.c:681-686); a checkpoint stores whatever its
/// <c>dev_iolink</c> entries say.
/// </summary>
/// <param name="Type">HSA io_link type: <see cref="Pcie"/> or <see cref="Xgmi"/>.</param>
/// <param name="NodeTo">The node id (sysfs folder number, <c>kfd_device_entry.node_id</c>) the link goes to.</param>
public readonly record struct TopologyLink(uint Type, uint NodeTo)
{
    /// <summary>HSA_IOLINKTYPE_PCIEXPRESS.</summary>
    public const uint Pcie = 2;

    /// <summary>HSA_IOLINK_TYPE_XGMI.</summary>
    public const uint Xgmi = 11;

    /// <summary>The type's name as CRIU prints it.</summary>
    public string TypeName => Type switch { Pcie => "PCIe", Xgmi => "XGMI", _ => $"type {Type}" };
}
