using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CriuImage.Criu;

/// <summary>
/// The messages read to tell the kind of a file whose name says nothing (standard input), kept with the file's
/// bytes for as long as those live, so that the file is parsed once: telling its kind and reading it were two to
/// four whole parses (a render node of 10^6 BOs on standard input took 752 MiB against 382 named).
/// </summary>
internal static class SniffedMessages
{
    /// <summary>Stands for a file that is neither kind, or whose wire is damaged.</summary>
    public static readonly object NotTold = new();

    private static readonly ConditionalWeakTable<byte[], object> Read = new();

    /// <summary>The same for files read from their descriptor, which have no bytes to key on.</summary>
    private static readonly ConditionalWeakTable<Input.InputFile, object> ReadFrom = new();

    /// <summary>What an earlier sniff of <paramref name="file"/> read from its descriptor found; false when it was not sniffed.</summary>
    public static bool TryGet(Input.InputFile file, [NotNullWhen(true)] out object? message) => ReadFrom.TryGetValue(file, out message);

    /// <summary>Keeps what a sniff of <paramref name="file"/> read from its descriptor found.</summary>
    public static void Keep(Input.InputFile file, object message) => ReadFrom.AddOrUpdate(file, message);

    /// <summary>What an earlier sniff of these bytes (a whole array) found; false when they were not sniffed.</summary>
    public static bool TryGet(ReadOnlyMemory<byte> content, [NotNullWhen(true)] out object? message)
    {
        message = null;
        return Whole(content) is { } array && Read.TryGetValue(array, out message);
    }

    /// <summary>The message of type <typeparamref name="T"/> an earlier sniff read from these bytes, or null.</summary>
    public static T? Get<T>(ReadOnlyMemory<byte> content)
        where T : class =>
        TryGet(content, out object? message) ? message as T : null;

    /// <summary>Keeps what a sniff of these bytes found (nothing is kept for part of an array).</summary>
    public static void Keep(ReadOnlyMemory<byte> content, object message)
    {
        if (Whole(content) is { } array)
        {
            Read.AddOrUpdate(array, message);
        }
    }

    private static byte[]? Whole(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : null;
}
