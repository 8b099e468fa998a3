namespace CriuImage.Verification;

/// <summary>A record that <see cref="SpillBuffer{T}"/> orders (by <see cref="SortKey"/>, ties in arrival order) and may write to disk as it lies in memory.</summary>
internal interface ISpillRecord
{
    /// <summary>What the records are ordered by.</summary>
    ulong SortKey { get; }
}

/// <summary>Receives records in order (a struct: no call through a delegate per record).</summary>
internal interface IOrderedVisitor<T>
{
    void Visit(in T item);
}
