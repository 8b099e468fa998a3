using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CriuImage.Criu;

/// <summary>
/// A message's entry list (BOs, mappings) as a span, for the loops that visit every entry of a file. Through
/// <see cref="IReadOnlyList{T}"/> each element is an interface call, which the JIT's dynamic PGO turns into
/// a direct one but NativeAOT, without a profile, cannot; a span is a plain array walk in both builds.
/// </summary>
internal static class EntrySpan
{
    /// <summary>The elements of <paramref name="list"/>: the reader's own list or array without a copy, any other list copied once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<T> Of<T>(IReadOnlyList<T> list) => list switch
    {
        List<T> held => CollectionsMarshal.AsSpan(held),
        T[] array => array,
        _ => list.ToArray(),
    };
}
