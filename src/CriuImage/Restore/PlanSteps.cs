namespace CriuImage.Restore;

/// <summary>
/// The steps of a <see cref="DumpRestorePlan"/> for one target kernel and host: a KFD step per KFD image and a render-node
/// step per render node (whose calls are surveyed from every BO of the file). They do not depend on the CRIU that
/// restores, so the rows of one kernel share them instead of reading each render node again per CRIU.
/// </summary>
/// <param name="Kfd">One step per KFD image, in the dump's order.</param>
/// <param name="RenderNodes">One step per render-node file, in the dump's order.</param>
internal sealed record PlanSteps(List<KfdRestoreStep> Kfd, List<RenderNodeRestoreStep> RenderNodes);
