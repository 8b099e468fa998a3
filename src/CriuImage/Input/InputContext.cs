namespace CriuImage.Input;

/// <summary>Where a container is read from: how deep it is nested, the artifact it belongs to, and what its whole input may still spend.</summary>
internal sealed class InputContext
{
    private InputContext(int depth, Artifact? artifact, InputBudget budget)
    {
        Depth = depth;
        Artifact = artifact;
        Budget = budget;
    }

    /// <summary>1 for an input named on the command line, one more for each archive or image it is inside.</summary>
    public int Depth { get; }

    /// <summary>The artifact the files belong to, if any.</summary>
    public Artifact? Artifact { get; }

    /// <summary>What the whole input (with everything nested in it) may still spend.</summary>
    public InputBudget Budget { get; }

    /// <summary>The context of an input named on the command line.</summary>
    public static InputContext Top(InputOptions options) => new(1, null, new InputBudget(options));

    /// <summary>The context of a container inside this one.</summary>
    public InputContext Nested() => new(Depth + 1, Artifact, Budget);

    /// <summary>The context of the files of <paramref name="artifact"/>, one level down.</summary>
    public InputContext For(Artifact artifact) => new(Depth + 1, artifact, Budget);
}

/// <summary>The entries and decompressed bytes one input named on the command line may hold, nested archives included.</summary>
internal sealed class InputBudget(InputOptions options)
{
    private long _entries = options.MaxEntries;
    private long _bytes = options.MaxDecompressedBytes;

    /// <summary>Counts one entry; false when the input holds more than <see cref="InputOptions.MaxEntries"/>.</summary>
    public bool TakeEntry() => --_entries >= 0;

    /// <summary>Counts decompressed bytes; false when the input decompresses to more than <see cref="InputOptions.MaxDecompressedBytes"/>.</summary>
    public bool TakeBytes(long count) => (_bytes -= count) >= 0;

    /// <summary>The limit on decompressed bytes, for messages.</summary>
    public long MaxBytes => options.MaxDecompressedBytes;
}
