using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// An <see cref="ImageDifference"/> as diff writes it: whether the images are equal is said before any item
/// (the JSON's <c>equal</c>, the text's <c>---</c>/<c>+++</c> lines), so the first BO and the first mapping
/// difference are merged ahead; the rest follow as they are written, never held.
/// </summary>
internal sealed class DifferenceStream
{
    private readonly Ahead _bos;
    private readonly Ahead _mappings;

    public DifferenceStream(ImageDifference difference)
    {
        Header = difference.Header;
        _bos = new Ahead(difference.Bos.GetEnumerator());
        _mappings = new Ahead(difference.Mappings.GetEnumerator());
        Equal = Header.Count == 0 && !_bos.Any && !_mappings.Any;
    }

    /// <summary>Header fields that differ.</summary>
    public IReadOnlyList<FieldChange> Header { get; }

    /// <summary>True when nothing differs.</summary>
    public bool Equal { get; }

    /// <summary>The BOs that differ, once.</summary>
    public IEnumerable<ItemDifference> Bos => _bos.Rest();

    /// <summary>The mappings that differ, once.</summary>
    public IEnumerable<ItemDifference> Mappings => _mappings.Rest();

    /// <summary>A sequence whose first item has been read ahead.</summary>
    private sealed class Ahead(IEnumerator<ItemDifference> items)
    {
        private bool _any = items.MoveNext();

        public bool Any => _any;

        public IEnumerable<ItemDifference> Rest()
        {
            using (items)
            {
                while (_any)
                {
                    yield return items.Current;
                    _any = items.MoveNext();
                }
            }
        }
    }
}

/// <summary>Differences of one kind counted as they are written, for the text's last line.</summary>
internal sealed class KindCounts
{
    private long _added;
    private long _removed;
    private long _changed;

    /// <summary>Every difference counted.</summary>
    public long All => _added + _removed + _changed;

    /// <summary>Counts <paramref name="item"/> and passes it on.</summary>
    public ItemDifference Count(ItemDifference item)
    {
        switch (item.Kind)
        {
            case "added": _added++; break;
            case "removed": _removed++; break;
            default: _changed++; break;
        }

        return item;
    }

    /// <summary><c>bos 1 added, 0 removed, 2 changed</c>.</summary>
    public string Line(string noun) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{noun}s {_added} added, {_removed} removed, {_changed} changed");
}
