using CriuImage.Diagnostics;

namespace CriuImage.Restore;

/// <summary>
/// Where CRIU's restore of a plan's calls stops. The plugin checks every ioctl's return and returns the error at the
/// first that fails (amdgpu_plugin_drm_restore_file, amdgpu_plugin_drm.c:488-534 at 2cf8f13), and CRIU's core ends
/// the restore there (criu/files-ext.c:52-56): no later call of the file, nor of any file after it, is made. A
/// refusal that only makes the call bring back something else ("differs") does not stop it.
/// </summary>
internal static class PlanStop
{
    /// <summary>True when <paramref name="refusal"/> makes its call fail with an errno.</summary>
    public static bool Ends(Diagnostic refusal) => refusal.Descriptor.Check is { Outcome: not "differs" };

    /// <summary>The index of the first call of <paramref name="calls"/> a refusal makes fail; null when none does.</summary>
    public static long? Of(IEnumerable<PlannedCall> calls)
    {
        long index = 0;
        foreach (PlannedCall call in calls)
        {
            if (call.Refusals.Any(Ends))
            {
                return index;
            }

            index++;
        }

        return null;
    }

    /// <summary>The earlier of two stops.</summary>
    public static long? First(long? one, long? other) => (one, other) switch
    {
        ({ } a, { } b) => Math.Min(a, b),
        _ => one ?? other,
    };
}
