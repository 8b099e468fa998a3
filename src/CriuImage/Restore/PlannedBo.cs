using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// One BO's calls in a render node's plan as the replay reads them: its refusals from <see cref="CallRefusals"/>
/// (its first call at <c>first</c>) where the plan is of records, else from its <paramref name="segment"/> of planned
/// calls; the arguments, from the segment, only for a log that keeps the calls.
/// </summary>
/// <param name="segment">The BO's planned calls, when they are walked; null when only the refusals are read.</param>
/// <param name="refusals">The plan's refusals in call order, or null.</param>
/// <param name="first">With <paramref name="refusals"/>: the index of the BO's first call.</param>
internal readonly struct PlannedBo(List<PlannedCall>? segment, CallRefusals? refusals, long first)
{
    /// <summary>The first refusal of the BO's call <paramref name="kind"/> (of mapping <paramref name="mapping"/> for GEM_VA), or null.</summary>
    public Diagnostic? FirstRefusal(RestoreCall kind, uint? mapping)
    {
        if (refusals is not null)
        {
            // create or import, CHANGE_HANDLE, GEM_MMAP, then a GEM_VA per mapping (PlanCallScan's order).
            long at = kind switch
            {
                RestoreCall.ChangeHandle => 1,
                RestoreCall.GemMmap => 2,
                RestoreCall.GemVa => PlanCallScan.BoCalls + mapping!.Value,
                _ => 0,
            };
            return refusals.First(first + at);
        }

        return Find(kind, mapping) is { Refusals: { Count: > 0 } listed } ? listed[0] : null;
    }

    /// <summary>The call's arguments as the sequence shows them: the BO's handle, then the planned call's own.</summary>
    public List<SequenceArgument> Arguments(RestoreCall kind, uint? mapping, uint handle)
    {
        PlannedCall? call = Find(kind, mapping);
        List<SequenceArgument> args = new(call is null ? 1 : call.Arguments.Count + 1) { new SequenceArgument("bo", handle) };
        if (call is not null)
        {
            foreach (CallArgument argument in call.Arguments)
            {
                if (argument.Name != "bo")
                {
                    args.Add(new SequenceArgument(argument.Name, argument.Value));
                }
            }
        }

        return args;
    }

    private PlannedCall? Find(RestoreCall kind, uint? mapping)
    {
        if (segment is null)
        {
            return null;
        }

        foreach (PlannedCall candidate in segment)
        {
            if (candidate.Call == kind && candidate.Mapping == mapping)
            {
                return candidate;
            }
        }

        return null;
    }
}
