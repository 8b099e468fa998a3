namespace CriuImage.Topology;

/// <summary>
/// A complete search for a GPU map that satisfies CRIU's rules, independent of CRIU's list handling: every
/// checkpointed hive into its own target hive, every GPU onto a distinct target GPU that passes
/// <c>map_device</c>'s tests, with a consistent one-to-one CPU-node map when <c>KFD_NUMA_CHECK</c> is on
/// (all choices of CPU node tried, where CRIU keeps its first). It tells whether CRIU's refusal or endless
/// loop hides a map that exists.
/// </summary>
internal sealed class MappingSearch
{
    /// <summary>Search steps before giving up (an 8-GPU hive needs a few thousand).</summary>
    private const long Budget = 2_000_000;

    private readonly LinkView _source;
    private readonly LinkView _target;
    private readonly MatchEnvironment _environment;
    private readonly TopologyNode[] _sourceGpus;
    private readonly TopologyNode[] _targetGpus;
    private readonly bool[,] _fits;
    private readonly Dictionary<uint, uint> _cpuMap = [];
    private readonly HashSet<uint> _cpuUsed = [];
    private readonly bool[] _targetUsed;
    private readonly int[] _assignment;
    private readonly Dictionary<List<TopologyNode>, List<TopologyNode>> _hiveMap = new(ReferenceEqualityComparer.Instance);
    private long _steps;

    private MappingSearch(LinkView source, LinkView target, MatchEnvironment environment)
    {
        _source = source;
        _target = target;
        _environment = environment;
        _sourceGpus = [.. source.Topology.Gpus];
        _targetGpus = [.. target.Topology.Gpus];
        _fits = new bool[_sourceGpus.Length, _targetGpus.Length];
        for (int s = 0; s < _sourceGpus.Length; s++)
        {
            for (int t = 0; t < _targetGpus.Length; t++)
            {
                _fits[s, t] = HostCheck.PropertiesMatch(_sourceGpus[s], _targetGpus[t], environment)
                    && source.ValidLinks(_sourceGpus[s]) <= target.ValidLinks(_targetGpus[t]);
            }
        }

        _targetUsed = new bool[_targetGpus.Length];
        _assignment = new int[_sourceGpus.Length];
    }

    /// <summary>A map (checkpointed gpu_id, target gpu_id) if one exists; null when none does; throws <see cref="TimeoutException"/> past the budget.</summary>
    public static IReadOnlyList<(uint Source, uint Target)>? Find(LinkView source, LinkView target, MatchEnvironment environment)
    {
        if (!source.WellFormed || !target.WellFormed || source.Topology.Gpus.Count() != target.Topology.Gpus.Count() || source.Hives.Count > target.Hives.Count)
        {
            return null;
        }

        var search = new MappingSearch(source, target, environment);
        return search.PlaceHives(0, []) ? [.. search._sourceGpus.Select((g, i) => (g.GpuId, search._targetGpus[search._assignment[i]].GpuId))] : null;
    }

    private bool PlaceHives(int index, HashSet<int> usedHives)
    {
        if (index == _source.Hives.Count)
        {
            return Assign(0);
        }

        for (int h = 0; h < _target.Hives.Count; h++)
        {
            if (usedHives.Add(h))
            {
                _hiveMap[_source.Hives[index]] = _target.Hives[h];
                if (PlaceHives(index + 1, usedHives))
                {
                    return true;
                }

                _hiveMap.Remove(_source.Hives[index]);
                usedHives.Remove(h);
            }
        }

        return false;
    }

    private bool Assign(int s)
    {
        if (s == _sourceGpus.Length)
        {
            return true;
        }

        List<TopologyNode>? hive = _source.HiveOf.GetValueOrDefault(_sourceGpus[s]) is { } sourceHive ? _hiveMap[sourceHive] : null;
        for (int t = 0; t < _targetGpus.Length; t++)
        {
            if (_targetUsed[t] || !_fits[s, t] || (hive is not null && !hive.Contains(_targetGpus[t], ReferenceEqualityComparer.Instance)))
            {
                continue;
            }

            if (++_steps > Budget)
            {
                throw new TimeoutException();
            }

            _targetUsed[t] = true;
            _assignment[s] = t;
            if (MapCpuLinks(_sourceGpus[s], _targetGpus[t], 0, () => Assign(s + 1)))
            {
                return true;
            }

            _targetUsed[t] = false;
        }

        return false;
    }

    /// <summary>Walks the source GPU's CPU links from <paramref name="index"/>, trying every CPU node choice, then continues.</summary>
    private bool MapCpuLinks(TopologyNode s, TopologyNode t, int index, Func<bool> then)
    {
        if (index == s.Links.Count)
        {
            return then();
        }

        TopologyLink link = s.Links[index];
        if (_source.Peer(link) is not { } to || to.IsGpu)
        {
            return MapCpuLinks(s, t, index + 1, then);
        }

        if (!_environment.IsOn(CheckSwitch.Numa))
        {
            return t.Links.Any(d => _source.LinkMatches(s, link, _target, t, d)) && MapCpuLinks(s, t, index + 1, then);
        }

        if (_cpuMap.TryGetValue(to.NodeId, out uint mapped))
        {
            TopologyLink? same = t.Links.Where(d => d.NodeTo == mapped && d.Type == link.Type).Select(d => (TopologyLink?)d).FirstOrDefault();
            return same is { } d && _source.LinkMatches(s, link, _target, t, d) && MapCpuLinks(s, t, index + 1, then);
        }

        foreach (TopologyLink d in t.Links)
        {
            if (!_source.LinkMatches(s, link, _target, t, d) || !_cpuUsed.Add(d.NodeTo))
            {
                continue;
            }

            _cpuMap[to.NodeId] = d.NodeTo;
            if (MapCpuLinks(s, t, index + 1, then))
            {
                return true;
            }

            _cpuMap.Remove(to.NodeId);
            _cpuUsed.Remove(d.NodeTo);
        }

        return false;
    }
}
