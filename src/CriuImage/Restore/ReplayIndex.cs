using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// What the replay looks up per BO in the dump, each built once, when first asked: a file by its name (a contents
/// file per BO) and how many BOs export each handle an import names. Each was a walk of the dump per BO before:
/// quadratic in a render node of 10^5 contents files or imports.
/// </summary>
internal sealed class ReplayIndex(CriuDump dump)
{
    private Dictionary<string, CriuDumpFile>? _files;
    private HashSet<string>? _unread;
    private Dictionary<uint, int>? _exporters;

    /// <summary>The first file of the dump of that name, or null.</summary>
    public CriuDumpFile? File(string name)
    {
        if (_files is null)
        {
            _files = new Dictionary<string, CriuDumpFile>(StringComparer.Ordinal);
            foreach (CriuDumpFile file in dump.Files)
            {
                _files.TryAdd(file.FileName, file);
            }
        }

        return _files.GetValueOrDefault(name);
    }

    /// <summary>Whether a file of that name is in the dump's folder but was not read.</summary>
    public bool Unread(string name)
    {
        _unread ??= new HashSet<string>(dump.Unread.Select(u => Path.GetFileName(u)), StringComparer.Ordinal);
        return _unread.Contains(name);
    }

    /// <summary>How many BOs of the dump CRIU stores under <paramref name="handle"/>, a handle some render-node BO imports: render-node exports and KFD BOs with that handle.</summary>
    public int Exporters(uint handle)
    {
        if (_exporters is null)
        {
            // Counted for the imported handles only: a count per handle of the dump would hold an entry per BO.
            _exporters = [];
            foreach (RenderNodeBos bos in Nodes())
            {
                foreach (ref readonly DrmBo bo in bos.Values)
                {
                    if (bo.IsImport != 0)
                    {
                        _exporters.TryAdd(bo.Handle, 0);
                    }
                }
            }

            foreach (RenderNodeBos bos in Nodes())
            {
                foreach (ref readonly DrmBo bo in bos.Values)
                {
                    Count(bo.IsImport == 0 ? bo.Handle : null);
                }
            }

            foreach (CriuDumpFile file in dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is not null))
            {
                foreach (KfdBo bo in file.Kfd!.Message.Bos.Values)
                {
                    Count(bo.Handle);
                }
            }
        }

        return _exporters.GetValueOrDefault(handle);
    }

    private void Count(uint? handle)
    {
        if (handle is { } h && _exporters!.TryGetValue(h, out int count))
        {
            _exporters[h] = count + 1;
        }
    }

    private IEnumerable<RenderNodeBos> Nodes() =>
        dump.OfKind(CriuFileKind.RenderNode).Where(f => f.RenderNode is not null).Select(f => f.RenderNode!.Message.Entries);
}
